import { notifyUrlProblem } from "./callbacks.js";
import { InvalidArgument, InvalidItem, type ItemProblem } from "./errors.js";
import type { JsonValue } from "./json.js";
import type { ItemId } from "./queue.js";
import type { StageName } from "./stage.js";
import {
  type BodyLimits,
  formatBodyPath,
  itemIdProblem,
  storableJson,
  type ValidItem,
} from "./validation.js";

/**
 * The job lifecycle: attempts, leases, retries with backoff, priorities, delays. Every backend keeps these fields
 * per item; the legacy API (put/get/success/fail without options) behaves as if every item had the defaults
 * (max 1 attempt, no lease, priority 0, no delay), which is exactly the system we replace.
 */

/** Upper bound on `last_error` (UTF-8 bytes); longer reasons are cut, so a worker's long stderr never fails a call. */
export const MAX_REASON_BYTES = 8 * 1024;
/** Upper bound on a success result, serialized as JSON (UTF-8 bytes). */
export const MAX_RESULT_BYTES = 64 * 1024;
/** Upper bound on max_attempts. */
export const MAX_ATTEMPTS_LIMIT = 1000;
/** Priorities are 32-bit signed integers (a PostgreSQL integer). */
export const MIN_PRIORITY = -2_147_483_648;
export const MAX_PRIORITY = 2_147_483_647;
/** Upper bound on a delay: one year. */
export const MAX_DELAY_SECONDS = 366 * 24 * 3600;
/** Upper bound on one lease (or one extension): one day. */
export const MAX_LEASE_SECONDS = 24 * 3600;
/** Upper bound on how long get may wait for work (an HTTP request is held that long). */
export const MAX_WAIT_SECONDS = 60;

/** Reasons the queue itself writes into last_error. */
export const LEASE_EXPIRED_REASON = "lease expired";
export const JOB_LOST_REASON = "job lost";
export const CANCELLED_REASON = "cancelled";

/** Options of one new item (put_jobs). Omitted fields take the queue's defaults. */
export interface JobOptions {
  /** Integer; higher is handed out first; FIFO within a priority. Default 0. */
  priority?: number;
  /** Not handed out before now + delaySeconds. Exclusive with runAfter. */
  delaySeconds?: number;
  /** Not handed out before this time. Exclusive with delaySeconds. */
  runAfter?: Date;
  /** Hand-outs before a failure is final (default: the queue's, normally 1). */
  maxAttempts?: number;
  /**
   * Where to POST a callback when the item reaches SUCCESS or FAIL (http or https; default: the queue's callback
   * URL, if any). A backend that delivers no callbacks refuses it.
   */
  notifyUrl?: string;
}

export interface NewJob extends JobOptions {
  id: ItemId;
  body: JsonValue;
}

export interface GetOptions {
  /**
   * Hand the items out under a lease of this many seconds: unless extended or completed in time, the attempt
   * counts as failed (reason "lease expired") and the item is retried or failed. Without it, the item stays
   * PROCESSING until someone completes it, as in the legacy API.
   */
  leaseSeconds?: number;
  /** When nothing is available, wait up to this many seconds for work before answering [] (at most 60). */
  waitSeconds?: number;
  /** Aborts a wait; an aborted get takes nothing. */
  signal?: AbortSignal;
}

/** An item handed out by getJobs. `attempt` is the fencing token that success, fail and extend may name. */
export interface Job {
  itemId: ItemId;
  body: JsonValue;
  attempt: number;
  leaseExpiresAt: Date | null;
  /**
   * The W3C traceparent of the span that put the item, where the backend stores it (memory, SQL) and the put was
   * traced: the span of the work done on the item links to it (queue-core's linkTo).
   */
  traceContext?: string;
}

/** success(id, options): `attempt` fences the call to that hand-out; `result` is stored with the item. */
export interface SuccessOptions {
  attempt?: number;
  result?: JsonValue;
}

/** fail(id, options): `reason` becomes last_error; `retryDelaySeconds` overrides the backoff for this retry. */
export interface FailOptions {
  attempt?: number;
  reason?: string;
  retryDelaySeconds?: number;
}

export interface Completion extends SuccessOptions {
  id: ItemId;
}

export interface Failure extends FailOptions {
  id: ItemId;
}

/** Where a failed attempt left the item: back in WAITING for another attempt, or in FAIL for good. */
export type FailOutcome = "WAITING" | "FAIL";

export interface ExtendOptions {
  leaseSeconds: number;
  attempt: number;
}

export interface DeleteResult {
  deleted: ItemId[];
  skipped: Array<{ id: ItemId; reason: "NOT_FOUND" | "WRONG_STAGE"; stage?: StageName }>;
}

/** What rescue did with expired leases: retried (back to WAITING) or failed for good. */
export interface RescueResult {
  retried: ItemId[];
  failed: ItemId[];
}

/** Every field the queue keeps about an item. */
export interface ItemRecord {
  itemId: ItemId;
  stage: StageName;
  body: JsonValue;
  attempts: number;
  maxAttempts: number;
  priority: number;
  runAfter: Date | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  result: JsonValue | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Retry delays: exponential from baseSeconds, capped at maxSeconds, with full jitter. */
export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

/** A queue's lifecycle defaults. */
export interface LifecycleSettings {
  maxAttempts: number;
  backoff: BackoffPolicy;
}

export const DEFAULT_LIFECYCLE: LifecycleSettings = {
  maxAttempts: 1,
  backoff: { baseSeconds: 1, maxSeconds: 3600 },
};

/** Fills in and checks partial lifecycle settings (library options) — InvalidArgument names the option. */
export function resolveLifecycle(settings: Partial<LifecycleSettings> | undefined): LifecycleSettings {
  const maxAttempts = settings?.maxAttempts ?? DEFAULT_LIFECYCLE.maxAttempts;
  checkMaxAttempts(maxAttempts, "maxAttempts");
  const baseSeconds = settings?.backoff?.baseSeconds ?? DEFAULT_LIFECYCLE.backoff.baseSeconds;
  const maxSeconds = settings?.backoff?.maxSeconds ?? DEFAULT_LIFECYCLE.backoff.maxSeconds;
  checkSeconds(baseSeconds, "backoff.baseSeconds", 0, MAX_DELAY_SECONDS);
  checkSeconds(maxSeconds, "backoff.maxSeconds", 0, MAX_DELAY_SECONDS);
  if (maxSeconds < baseSeconds) {
    throw new InvalidArgument("backoff.maxSeconds", `must be at least backoff.baseSeconds (${baseSeconds})`);
  }
  return { maxAttempts, backoff: { baseSeconds, maxSeconds } };
}

/**
 * The delay before attempt `attempts + 1`, after `attempts` failed: a random time from 0 to
 * min(max, base × 2^(attempts−1)) ("full jitter"), so many items failing together do not come back together.
 */
export function backoffSeconds(policy: BackoffPolicy, attempts: number, random: () => number = Math.random) {
  const exponent = Math.min(Math.max(attempts - 1, 0), 60);
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** exponent);
  return ceiling * random();
}

function checkSeconds(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidArgument(
      name,
      `must be a number of seconds, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  if (value < min || value > max)
    throw new InvalidArgument(name, `must be from ${min} to ${max}, got ${value}`);
}

function checkMaxAttempts(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_ATTEMPTS_LIMIT) {
    throw new InvalidArgument(
      name,
      `must be an integer from 1 to ${MAX_ATTEMPTS_LIMIT}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
}

export function assertLeaseSeconds(value: unknown, name = "leaseSeconds"): asserts value is number {
  checkSeconds(value, name, 0, MAX_LEASE_SECONDS);
  if (value <= 0) throw new InvalidArgument(name, `must be more than 0, got ${value}`);
}

export function assertAttempt(value: unknown, name = "attempt"): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgument(
      name,
      `must be an integer of 1 or more, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
}

/** Checks get's options; returns the lease and wait in seconds (null lease: none). */
export function normalizeGetOptions(options: GetOptions | undefined): {
  leaseSeconds: number | null;
  waitSeconds: number;
} {
  const leaseSeconds = options?.leaseSeconds ?? null;
  if (leaseSeconds !== null) assertLeaseSeconds(leaseSeconds);
  const waitSeconds = options?.waitSeconds ?? 0;
  checkSeconds(waitSeconds, "waitSeconds", 0, MAX_WAIT_SECONDS);
  return { leaseSeconds, waitSeconds };
}

/** A new item that passed validation: its JSON text and resolved lifecycle fields. */
export interface ValidJob extends ValidItem {
  priority: number;
  /** null: available at once. */
  runAfter: Date | null;
  maxAttempts: number;
  /** null: the queue's callback URL, if any. */
  notifyUrl: string | null;
}

/**
 * Validates a put_jobs batch: ids, bodies (the same rules as put) and options. Throws InvalidItem naming every bad
 * id and why, so nothing of the batch is written. Repeated ids in one batch: the first wins, like put.
 */
export function validateJobs(
  jobs: unknown,
  defaults: LifecycleSettings,
  now: Date,
  limits: BodyLimits = {},
): ValidJob[] {
  if (!Array.isArray(jobs)) throw new InvalidArgument("jobs", "must be an array of {id, body, …}");
  const valid: ValidJob[] = [];
  const problems: ItemProblem[] = [];
  const seen = new Set<string>();
  for (const job of jobs as unknown[]) {
    if (typeof job !== "object" || job === null || Array.isArray(job)) {
      problems.push({ id: String(job), reason: "each job must be an object with id and body" });
      continue;
    }
    const { id, body, priority, delaySeconds, runAfter, maxAttempts, notifyUrl } = job as Record<
      string,
      unknown
    >;
    const idProblem = itemIdProblem(id);
    if (idProblem !== null) {
      problems.push({ id: String(id), reason: idProblem });
      continue;
    }
    const itemId = id as string;
    if (!("body" in (job as object))) {
      problems.push({ id: itemId, reason: "body is missing" });
      continue;
    }
    const checked = storableJson(body, limits);
    if ("problem" in checked) {
      problems.push({ id: itemId, reason: checked.problem.reason, path: checked.problem.path });
      continue;
    }
    const optionProblem = jobOptionProblem({ priority, delaySeconds, runAfter, maxAttempts, notifyUrl });
    if (optionProblem !== null) {
      problems.push({ id: itemId, reason: optionProblem });
      continue;
    }
    if (seen.has(itemId)) continue;
    seen.add(itemId);
    let at: Date | null = null;
    if (runAfter instanceof Date) at = runAfter;
    else if (typeof delaySeconds === "number" && delaySeconds > 0)
      at = new Date(now.getTime() + delaySeconds * 1000);
    valid.push({
      id: itemId,
      body: body as JsonValue,
      json: checked.json,
      priority: (priority as number | undefined) ?? 0,
      runAfter: at,
      maxAttempts: (maxAttempts as number | undefined) ?? defaults.maxAttempts,
      notifyUrl: (notifyUrl as string | undefined) ?? null,
    });
  }
  if (problems.length > 0) throw new InvalidItem(problems);
  return valid;
}

function jobOptionProblem(options: Record<keyof JobOptions, unknown>): string | null {
  const { priority, delaySeconds, runAfter, maxAttempts, notifyUrl } = options;
  if (notifyUrl !== undefined) {
    const problem = notifyUrlProblem(notifyUrl);
    if (problem !== null) return `notifyUrl ${problem}`;
  }
  if (priority !== undefined) {
    if (
      typeof priority !== "number" ||
      !Number.isInteger(priority) ||
      priority < MIN_PRIORITY ||
      priority > MAX_PRIORITY
    )
      return `priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`;
  }
  if (delaySeconds !== undefined) {
    if (
      typeof delaySeconds !== "number" ||
      !Number.isFinite(delaySeconds) ||
      delaySeconds < 0 ||
      delaySeconds > MAX_DELAY_SECONDS
    )
      return `delaySeconds must be a number of seconds from 0 to ${MAX_DELAY_SECONDS}`;
    if (runAfter !== undefined) return "give delaySeconds or runAfter, not both";
  }
  if (runAfter !== undefined && !(runAfter instanceof Date && Number.isFinite(runAfter.getTime())))
    return "runAfter must be a valid Date";
  if (maxAttempts !== undefined) {
    if (
      typeof maxAttempts !== "number" ||
      !Number.isInteger(maxAttempts) ||
      maxAttempts < 1 ||
      maxAttempts > MAX_ATTEMPTS_LIMIT
    )
      return `maxAttempts must be an integer from 1 to ${MAX_ATTEMPTS_LIMIT}`;
  }
  return null;
}

/** Cuts a failure reason to MAX_REASON_BYTES of UTF-8 without splitting a character; non-strings are refused. */
export function normalizeReason(reason: unknown, name = "reason"): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== "string") throw new InvalidArgument(name, "must be a string");
  // Lone surrogates and NUL cannot be stored by PostgreSQL; a reason is free text, so they are replaced, not refused.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what PostgreSQL text cannot hold
  const clean = reason.toWellFormed().replace(/\u0000/g, "\uFFFD");
  if (clean.length * 3 <= MAX_REASON_BYTES) return clean;
  const bytes = Buffer.from(clean, "utf8");
  if (bytes.length <= MAX_REASON_BYTES) return clean;
  // Decoding a cut buffer drops a trailing partial character (it becomes U+FFFD, which is then removed).
  return bytes
    .subarray(0, MAX_REASON_BYTES - 3)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}

/** Checks a success result: a storable JSON value of at most MAX_RESULT_BYTES. Returns its JSON text. */
export function resultJson(result: unknown, id: ItemId): string | null {
  if (result === undefined) return null;
  // A result is stored like a body (the same rules), within its own, smaller size limit.
  const checked = storableJson(result, { maxBodyBytes: MAX_RESULT_BYTES });
  if ("problem" in checked) {
    const { reason, path } = checked.problem;
    const where = formatBodyPath(path).replace(/^body/, "result");
    throw new InvalidItem([{ id, reason: `${where}: ${reason.replace(/^body/, "result")}` }]);
  }
  return checked.json;
}

export function assertRetryDelay(value: unknown): asserts value is number | undefined {
  if (value === undefined) return;
  checkSeconds(value, "retryDelaySeconds", 0, MAX_DELAY_SECONDS);
}
