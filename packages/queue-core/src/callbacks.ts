import { InvalidArgument } from "./errors.js";
import type { JsonValue } from "./json.js";
import type { ItemId, Queue, QueueNamespace } from "./queue.js";

/**
 * Completion callbacks (webhooks): when an item reaches SUCCESS or FAIL, a backend that supports them records a
 * callback in the same transaction (or, in memory, the same synchronous step) as the move; a CallbackDeliverer
 * later POSTs it, signed, to the item's notify URL or the queue's default. At least once: a receiver de-duplicates
 * by the delivery id, which is fixed when the callback is recorded.
 */

/** Longest notify URL accepted. */
export const MAX_NOTIFY_URL_LENGTH = 2048;
/** A callback secret's length bounds (characters). */
export const MIN_CALLBACK_SECRET_LENGTH = 16;
export const MAX_CALLBACK_SECRET_LENGTH = 256;
/** Most callbacks one listing returns. */
export const MAX_CALLBACK_LIST = 1000;

/** What a receiver is POSTed (JSON; `result` only after a success with one, `last_error` only when there is one). */
export interface CallbackPayload {
  queue: string;
  item_id: ItemId;
  stage: "SUCCESS" | "FAIL";
  attempts: number;
  result?: JsonValue;
  last_error?: string;
  /** ISO 8601 time of the move. */
  finished_at: string;
}

/** A callback not (yet) delivered, as the API lists it. `nextAttemptAt` null: retries ran out (failed). */
export interface CallbackRecord {
  deliveryId: string;
  queue: string;
  itemId: ItemId;
  url: string;
  payload: CallbackPayload;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date | null;
}

/** Which undelivered callbacks a listing shows: those whose retries ran out, those still retried, or both. */
export type CallbackListStatus = "failed" | "pending" | "all";

export interface CallbackListOptions {
  status?: CallbackListStatus;
  limit?: number;
}

/** A queue's callback settings as they may be read: the secret is write-only, only its presence shows. */
export interface CallbackSettings {
  url: string | null;
  hasSecret: boolean;
}

/** A change of callback settings: an omitted field keeps its value, null clears it. */
export interface CallbackSettingsUpdate {
  url?: string | null;
  secret?: string | null;
}

export interface ResendResult {
  resent: string[];
  /** Delivery ids not found among this queue's undelivered callbacks. */
  notFound: string[];
}

/** A queue whose backend records callbacks with its moves. */
export interface QueueWithCallbacks extends Queue {
  callbackSettings(): Promise<CallbackSettings>;
  setCallbackSettings(update: CallbackSettingsUpdate): Promise<CallbackSettings>;
  /** Undelivered callbacks of this queue, oldest first. */
  callbacks(options?: CallbackListOptions): Promise<CallbackRecord[]>;
  /** Makes the named undelivered callbacks due now, with a fresh retry horizon. */
  resendCallbacks(deliveryIds: readonly string[]): Promise<ResendResult>;
}

export function hasCallbacks(queue: Queue): queue is QueueWithCallbacks {
  const q = queue as Partial<QueueWithCallbacks>;
  return (
    typeof q.callbackSettings === "function" &&
    typeof q.setCallbackSettings === "function" &&
    typeof q.callbacks === "function" &&
    typeof q.resendCallbacks === "function"
  );
}

/** A callback handed to one deliverer until its claim runs out. `attempts` (this try's number) fences its outcome. */
export interface ClaimedCallback {
  deliveryId: string;
  url: string;
  payload: CallbackPayload;
  attempts: number;
  /** Retries count their horizon from here (the move, or the last re-send). */
  retryFrom: Date;
  /** The queue's secret, read at claim time (so a rotated secret applies to pending callbacks); null: unsigned. */
  secret: string | null;
}

/** How a try ended: delivered (the callback is removed), or failed with a next try (null: retries ran out). */
export type CallbackOutcome = { delivered: true } | { delivered: false; error: string; retryAt: Date | null };

/**
 * Where a deliverer takes callbacks from: every queue of a backend (SQL: the table's outbox, claimed with SKIP
 * LOCKED and a lease, so any number of processes deliver side by side).
 */
export interface CallbackOutbox {
  claimCallbacks(n: number, leaseSeconds: number): Promise<ClaimedCallback[]>;
  /** Records a try's outcome; a try whose claim was taken over meanwhile (another attempts value) changes nothing. */
  settleCallback(claim: ClaimedCallback, outcome: CallbackOutcome): Promise<void>;
}

export function hasCallbackOutbox(
  namespace: QueueNamespace,
): namespace is QueueNamespace & { callbackOutbox: CallbackOutbox } {
  return typeof (namespace as { callbackOutbox?: unknown }).callbackOutbox === "object";
}

/** The payload's JSON text, fields in the documented order (the bytes that are signed and sent). */
export function callbackBody(payload: CallbackPayload): string {
  const ordered: Record<string, JsonValue> = {
    queue: payload.queue,
    item_id: payload.item_id,
    stage: payload.stage,
    attempts: payload.attempts,
  };
  if (payload.result !== undefined) ordered.result = payload.result;
  if (payload.last_error !== undefined) ordered.last_error = payload.last_error;
  ordered.finished_at = payload.finished_at;
  return JSON.stringify(ordered);
}

/** Whether `host` is on the allow-list: an exact host name, or `*.example.com` for its subdomains; empty: any. */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.length === 0) return true;
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  return allowedHosts.some((allowed) => {
    const rule = allowed.toLowerCase().replace(/^\[|\]$/g, "");
    return rule.startsWith("*.") ? name.endsWith(rule.slice(1)) : name === rule;
  });
}

/**
 * Why a notify URL is refused (null: accepted): not a string, too long, not an absolute http(s) URL, carrying
 * credentials, or to a host outside the allow-list.
 */
export function notifyUrlProblem(url: unknown, allowedHosts: readonly string[] = []): string | null {
  if (typeof url !== "string") return "must be a string URL";
  if (url.length > MAX_NOTIFY_URL_LENGTH) return `must be at most ${MAX_NOTIFY_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute http or https URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return `must be an http or https URL, got ${parsed.protocol.slice(0, -1)}`;
  if (parsed.username !== "" || parsed.password !== "") return "must not carry credentials";
  if (!hostAllowed(parsed.hostname, allowedHosts))
    return `host ${parsed.hostname} is not in the callback allow-list`;
  return null;
}

export function assertNotifyUrl(url: unknown, name = "notifyUrl"): asserts url is string {
  const problem = notifyUrlProblem(url);
  if (problem !== null) throw new InvalidArgument(name, problem);
}

/** Checks a settings change; returns it with only the fields given. */
export function validateCallbackSettings(update: unknown): CallbackSettingsUpdate {
  if (typeof update !== "object" || update === null || Array.isArray(update))
    throw new InvalidArgument("callbackSettings", "must be an object with url and/or secret");
  const { url, secret } = update as Record<string, unknown>;
  const valid: CallbackSettingsUpdate = {};
  if (url !== undefined) {
    if (url !== null) assertNotifyUrl(url, "url");
    valid.url = url;
  }
  if (secret !== undefined) {
    if (
      secret !== null &&
      (typeof secret !== "string" ||
        secret.length < MIN_CALLBACK_SECRET_LENGTH ||
        secret.length > MAX_CALLBACK_SECRET_LENGTH)
    )
      // The value itself is never quoted: it is a secret.
      throw new InvalidArgument(
        "secret",
        `must be a string of ${MIN_CALLBACK_SECRET_LENGTH} to ${MAX_CALLBACK_SECRET_LENGTH} characters`,
      );
    valid.secret = secret;
  }
  return valid;
}

export function validateCallbackList(options: CallbackListOptions | undefined): {
  status: CallbackListStatus;
  limit: number;
} {
  const status = options?.status ?? "all";
  if (status !== "failed" && status !== "pending" && status !== "all")
    throw new InvalidArgument("status", "must be failed, pending or all");
  const limit = options?.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CALLBACK_LIST)
    throw new InvalidArgument("limit", `must be an integer from 1 to ${MAX_CALLBACK_LIST}`);
  return { status, limit };
}

export function validateDeliveryIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string" || id.length === 0 || id.length > 100))
    throw new InvalidArgument("ids", "must be an array of delivery ids");
  if (ids.length > MAX_CALLBACK_LIST)
    throw new InvalidArgument("ids", `must hold at most ${MAX_CALLBACK_LIST} delivery ids`);
  return [...new Set(ids as string[])];
}
