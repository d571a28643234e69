import {
  assertAttempt,
  assertCount,
  assertItemId,
  assertLeaseSeconds,
  assertRetryDelay,
  CANCELLED_REASON,
  type Completion,
  type ControllerStatus,
  type ControllerStatusReport,
  type DeleteResult,
  type ExtendOptions,
  type FailManyResult,
  type FailOptions,
  type FailOutcome,
  type Failure,
  type GetOptions,
  InvalidArgument,
  type ItemId,
  ItemNotFound,
  type ItemRecord,
  idList,
  type Job,
  type JsonValue,
  type MoveResult,
  type NewJob,
  normalizeGetOptions,
  normalizePage,
  normalizeReason,
  type PageRequest,
  type PurgeOptions,
  type PurgeResult,
  type PutResult,
  parseStage,
  purgeByScan,
  type Queue,
  type QueueDescription,
  type QueueItem,
  QueueItemStage,
  type QueueObserver,
  type QueueStats,
  type QueueWithControllerStatus,
  type ReportsRescues,
  type RequeueResult,
  type RescueResult,
  resolveLifecycle,
  resultJson,
  type StageSizes,
  type StatePage,
  type StatsOptions,
  type SuccessOptions,
  stageName,
  validateControllerStatus,
  validateJobs,
  validatePutBatch,
  validateStats,
  waitForWork,
} from "@task-queue/queue-core";
import { MAX_KEY_BYTES, QueueLayout } from "./layout.js";
import { Limiter } from "./limiter.js";
import { cancelItem } from "./ops/cancel.js";
import { deleteItems } from "./ops/delete.js";
import { extendLease } from "./ops/extend.js";
import { type Finish, type FinishOutcome, finishOne } from "./ops/finish.js";
import { takeWaiting } from "./ops/get.js";
import { IdIndex } from "./ops/id-index.js";
import { locate } from "./ops/locate.js";
import { findItem } from "./ops/lookup.js";
import { lookupRecord } from "./ops/lookup-record.js";
import { idsInStage } from "./ops/lookup-state.js";
import { requeueMany } from "./ops/move.js";
import { peekWaiting } from "./ops/peek.js";
import { type NewItem, putItems } from "./ops/put.js";
import { LeaseCache, rescueExpired } from "./ops/rescue.js";
import { retryNow } from "./ops/retry-now.js";
import type { S3QueueScope } from "./ops/scope.js";
import { readControllerStatus, readPaused, writeControllerStatus, writePaused } from "./ops/settings.js";
import { countByStage } from "./ops/sizes.js";
import { queueStats } from "./ops/stats.js";
import { unsupportedJobOption } from "./ops/unsupported.js";
import type { S3QueueOptions } from "./options.js";
import { assertS3QueueName } from "./queue-name.js";
import { S3Backend } from "./s3-backend.js";
import { joinKey } from "./s3-path.js";

/** While a get waits for work it polls WAITING, first after this many ms, doubling up to WAIT_POLL_MAX_MS. */
const WAIT_POLL_FIRST_MS = 100;
const WAIT_POLL_MAX_MS = 2000;

/** A completion or failure named by id alone or with options. */
function entry<T extends { id: ItemId }>(item: ItemId | T): T {
  return (typeof item === "string" ? { id: item } : item) as T;
}

/** The object marking a named queue's folder; its name can never be a queue or stage name. */
const QUEUE_MARKER = ".task-queue.json";

/**
 * A queue of JSON objects in an S3 bucket: `<prefix>/<STAGE>/<encoded id>.json`. Moves copy, then delete; get
 * claims an item by writing it to PROCESSING with If-None-Match: * where the store enforces it, and serialises
 * claims within this process always. An item left in two stages by an interrupted move counts in one of them
 * (see resolve-copies.ts), and the next operation that sees both deletes the stale copy. Each operation lives in
 * its own module under ops/; this class validates arguments and holds what they share.
 */
export class S3Queue implements Queue, QueueWithControllerStatus, ReportsRescues {
  readonly name: string;
  private readonly layout: QueueLayout;
  private readonly scope: S3QueueScope;
  /** Serialises get within this process: listing WAITING and claiming must not interleave with another get. */
  private readonly claims = new Limiter(1);
  private readonly ownsBackend: boolean;
  /** Named queues mark their folder once per handle (see markFolder). */
  private folderMarked: Promise<void> | null;
  private readonly maxAttempts: number;
  /** Gets of this object waiting for work, woken when an item (re-)enters WAITING through this object. */
  private readonly wakers = new Set<() => void>();
  private readonly leases = new LeaseCache();
  /** Whether put may trust id markers (see ops/id-index.ts). */
  private readonly ids: IdIndex;

  constructor(options: S3QueueOptions);
  /** @internal Used by S3QueueNamespace: a queue on a shared backend, at `prefix`. */
  constructor(options: S3QueueOptions, backend: S3Backend, prefix: string);
  constructor(
    options: S3QueueOptions,
    private readonly backend: S3Backend = new S3Backend(options),
    prefix?: string,
  ) {
    this.ownsBackend = prefix === undefined;
    if (options.queueName !== undefined) assertS3QueueName(options.queueName);
    this.name = options.queueName ?? "default";
    this.layout = new QueueLayout(prefix ?? joinKey(backend.location.prefix, options.queueName ?? ""));
    this.maxAttempts = resolveLifecycle({ maxAttempts: options.lifecycle?.maxAttempts }).maxAttempts;
    this.scope = {
      store: backend.store,
      layout: this.layout,
      name: this.name,
      logger: backend.logger,
      capabilities: () => backend.capabilities(),
      maxAttempts: this.maxAttempts,
      wake: () => {
        for (const wake of this.wakers) wake();
      },
    };
    this.ids = new IdIndex(this.scope);
    this.folderMarked = this.layout.prefix === backend.location.prefix ? Promise.resolve() : null;
    if (this.layout.maxKeyBytes() > MAX_KEY_BYTES) {
      throw new InvalidArgument(
        "basePath",
        `prefix ${JSON.stringify(this.layout.prefix)} is too long: with a 512-byte id a key would pass S3's ${MAX_KEY_BYTES}-byte limit`,
      );
    }
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const valid = validatePutBatch(items);
    return this.write(valid.map((item) => ({ ...item, maxAttempts: this.maxAttempts })));
  }

  /**
   * put with per-item max_attempts. S3Queue has neither priorities nor delays (see the README): a priority other
   * than 0, a delaySeconds above 0 or a runAfter in the future is refused with InvalidArgument naming the option
   * and the item, and nothing of the batch is written.
   */
  async putJobs(jobs: readonly NewJob[]): Promise<PutResult> {
    const now = new Date();
    const valid = validateJobs(
      jobs,
      { maxAttempts: this.maxAttempts, backoff: { baseSeconds: 0, maxSeconds: 0 } },
      now,
    );
    for (const job of valid) {
      const refused = unsupportedJobOption(job, jobs, now);
      if (refused !== null) throw refused;
    }
    return this.write(valid);
  }

  private async write(valid: readonly NewItem[]): Promise<PutResult> {
    if (valid.length === 0) return { added: [], skipped: [] };
    const conditional = await this.backend.conditionalWrites();
    await this.markFolder();
    return putItems(this.scope, valid, conditional, this.ids);
  }

  /**
   * Writes `<prefix>/<name>/.task-queue.json` once, beside the stage folders, so that the namespace's one-level
   * delimiter listing finds the queue even on stores that only report common prefixes whose objects lie directly
   * below them (s3rver). Costs one PUT per queue handle.
   */
  private markFolder(): Promise<void> {
    this.folderMarked ??= this.backend.store
      .putJson(joinKey(this.layout.prefix, QUEUE_MARKER), JSON.stringify({ queue: this.name }), 0, false)
      .then(
        () => {},
        (error: unknown) => {
          this.folderMarked = null;
          throw error;
        },
      );
    return this.folderMarked;
  }

  async get(n: number, options?: GetOptions): Promise<Array<[ItemId, JsonValue]>> {
    return (await this.getJobs(n, options)).map((job) => [job.itemId, job.body]);
  }

  /**
   * Claims WAITING items in key order; when fewer than n are there, rescues expired leases (rescueExpired) and
   * claims what that put back. With waitSeconds, polls while nothing comes (queue-core's waitForWork), first after
   * 100 ms, doubling up to every 2 s, and at once when this object puts, requeues or retries an item.
   */
  async getJobs(n: number, options?: GetOptions): Promise<Job[]> {
    assertCount(n);
    const { leaseSeconds, waitSeconds } = normalizeGetOptions(options);
    if (n === 0) return [];
    const conditional = await this.backend.conditionalWrites();
    const how = {
      leaseSeconds,
      conditional,
      remember: (key: string, etag: string | null, lease: number | null) =>
        this.leases.remember(key, etag, lease),
    };
    const take = () =>
      this.claims.run(async () => {
        if (options?.signal?.aborted) return [];
        const jobs = await takeWaiting(this.scope, n, how);
        if (jobs.length === n) return jobs;
        const rescued = await this.rescue();
        if (rescued.retried.length === 0) return jobs;
        return [...jobs, ...(await takeWaiting(this.scope, n - jobs.length, how))];
      });
    if (waitSeconds === 0) return take();
    let pollMs = WAIT_POLL_FIRST_MS / 2;
    return waitForWork(take, {
      waitSeconds,
      signal: options?.signal,
      subscribe: (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
      nextDueMs: () => {
        pollMs = Math.min(pollMs * 2, WAIT_POLL_MAX_MS);
        return pollMs;
      },
      pollMs: WAIT_POLL_MAX_MS,
    });
  }

  /** Every PROCESSING item whose lease has expired, as a failed attempt ("lease expired"); see ops/rescue.ts. */
  async rescueExpired(): Promise<RescueResult> {
    return this.claims.run(() => this.rescue());
  }

  observeRescues(observer: QueueObserver): void {
    this.backend.rescueObservers.add(observer);
  }

  /** The one place this queue rescues (a get that found too little, rescueExpired); tells the observers. */
  private async rescue(): Promise<RescueResult> {
    const rescued = await rescueExpired(this.scope, this.leases);
    this.backend.rescueObservers.report(this.name, rescued);
    return rescued;
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    return n === 0 ? [] : peekWaiting(this.scope, n);
  }

  async extend(id: ItemId, options: ExtendOptions): Promise<Date> {
    assertItemId(id);
    assertLeaseSeconds(options?.leaseSeconds);
    assertAttempt(options.attempt);
    return extendLease(this.scope, id, options.attempt, options.leaseSeconds);
  }

  async success(id: ItemId, options: SuccessOptions = {}): Promise<void> {
    assertItemId(id);
    if (options.attempt !== undefined) assertAttempt(options.attempt);
    const json = resultJson(options.result, id);
    const outcome = await finishOne(this.scope, {
      id,
      attempt: options.attempt,
      outcome: "success",
      resultJson: json,
    });
    if ("error" in outcome) throw outcome.error;
  }

  async fail(id: ItemId, options: FailOptions = {}): Promise<FailOutcome> {
    assertItemId(id);
    if (options.attempt !== undefined) assertAttempt(options.attempt);
    const reason = normalizeReason(options.reason);
    assertNoRetryDelay(options.retryDelaySeconds);
    const outcome = await finishOne(this.scope, { id, attempt: options.attempt, outcome: "fail", reason });
    if ("error" in outcome) throw outcome.error;
    return outcome.moved as FailOutcome;
  }

  async successMany(items: readonly (ItemId | Completion)[]): Promise<MoveResult> {
    const list = items.map((item) => entry<Completion>(item));
    idList(list.map((item) => item.id));
    for (const item of list) if (item.attempt !== undefined) assertAttempt(item.attempt);
    const finishes = list.map(
      (item): Finish => ({
        id: item.id,
        attempt: item.attempt,
        outcome: "success",
        resultJson: resultJson(item.result, item.id),
      }),
    );
    const { moved, skipped } = await this.finishMany(finishes);
    return { moved, skipped };
  }

  async failMany(items: readonly (ItemId | Failure)[]): Promise<FailManyResult> {
    const list = items.map((item) => entry<Failure>(item));
    idList(list.map((item) => item.id));
    const finishes = list.map((item): Finish => {
      if (item.attempt !== undefined) assertAttempt(item.attempt);
      assertNoRetryDelay(item.retryDelaySeconds);
      return { id: item.id, attempt: item.attempt, outcome: "fail", reason: normalizeReason(item.reason) };
    });
    return this.finishMany(finishes);
  }

  /** Each id once (the first entry wins), in parallel through the store's request limit. */
  private async finishMany(finishes: readonly Finish[]): Promise<FailManyResult> {
    const seen = new Set<ItemId>();
    const unique = finishes.filter((finish) => !seen.has(finish.id) && seen.add(finish.id));
    const outcomes: FinishOutcome[] = await Promise.all(
      unique.map((finish) => finishOne(this.scope, finish)),
    );
    const result: FailManyResult = { moved: [], skipped: [], retried: [] };
    outcomes.forEach((outcome, i) => {
      const id = unique[i]!.id;
      if ("skip" in outcome) result.skipped.push(outcome.skip);
      else {
        result.moved.push(id);
        if (outcome.moved === "WAITING") result.retried.push(id);
      }
    });
    return result;
  }

  async cancel(id: ItemId, reason?: string): Promise<void> {
    assertItemId(id);
    await cancelItem(this.scope, id, normalizeReason(reason) ?? CANCELLED_REASON);
  }

  async delete(ids: readonly ItemId[]): Promise<DeleteResult> {
    if (!Array.isArray(ids)) throw new InvalidArgument("ids", "must be an array of item ids");
    return deleteItems(this.scope, idList(ids));
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    return requeueMany(this.scope, ids);
  }

  async retryNow(ids: readonly ItemId[]): Promise<MoveResult> {
    return retryNow(this.scope, idList(ids));
  }

  /**
   * Retention by scan (queue-core's purgeByScan): S3 keeps no index by time, so a purge reads the record of every
   * item in the stage (one GET each) and deletes the old ones in batches. Fine for a nightly job over thousands of
   * items; for millions, prefer lifecycle rules on the bucket.
   */
  async purge(options: PurgeOptions): Promise<PurgeResult> {
    return purgeByScan(this, options);
  }

  async sizes(): Promise<StageSizes> {
    return countByStage(this.scope);
  }

  /**
   * Counts, rates, durations (put → finish), the oldest waiting age and the top failure reasons of a window, from the
   * items' own times (see ops/stats.ts for what it reads).
   */
  async stats(options?: StatsOptions): Promise<QueueStats> {
    return queueStats(this.scope, validateStats(options));
  }

  /** The pause flag, stored with the queue in `<prefix>/.task-queue-settings.json`: 1 GET. */
  async isPaused(): Promise<boolean> {
    return readPaused(this.scope);
  }

  /** Stores the pause flag for every controller of this queue: 1 PUT. */
  async setPaused(paused: boolean): Promise<void> {
    if (typeof paused !== "boolean") throw new InvalidArgument("paused", "must be true or false");
    await writePaused(this.scope, paused);
  }

  /** The leading controller's status after each tick, in `<prefix>/.task-queue-controller.json`: 1 PUT. */
  async recordControllerStatus(report: ControllerStatusReport): Promise<void> {
    await writeControllerStatus(this.scope, validateControllerStatus(report));
  }

  /** 1 GET; the age is measured by this process's clock against the writer's. */
  async controllerStatus(): Promise<ControllerStatus | null> {
    return readControllerStatus(this.scope);
  }

  async size(stage: QueueItemStage): Promise<number> {
    const name = stageName(parseStage(stage));
    return (await this.sizes())[name];
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    assertItemId(id);
    const at = await locate(this.scope, id);
    if (at === null) throw new ItemNotFound(id);
    return QueueItemStage[at.stage];
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    assertItemId(id);
    return findItem(this.scope, id);
  }

  async lookupRecord(id: ItemId): Promise<ItemRecord> {
    assertItemId(id);
    return lookupRecord(this.scope, id);
  }

  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    const name = stageName(parseStage(stage));
    return idsInStage(this.scope, name, normalizePage(page));
  }

  async description(): Promise<QueueDescription> {
    const { conditionalWrites, conditionalDeletes, conditionalReplaces } = await this.backend.capabilities();
    return {
      // The Python task-queue's class and argument names, so that clients reading describe keep working.
      implementation: "JsonS3Queue",
      arguments: {
        s3_base_path: `s3://${this.backend.location.bucket}/${this.layout.prefix}`,
        ...this.backend.describe(),
        queue_name: this.name,
        prefix: this.layout.prefix,
        conditional_writes: conditionalWrites,
        conditional_deletes: conditionalDeletes,
        conditional_replaces: conditionalReplaces,
        consumers: conditionalWrites
          ? "many processes may call get at once (claims use If-None-Match: *)"
          : "the store ignores conditional writes: only one consumer process is safe",
        moves: conditionalDeletes
          ? "a move deletes its source only if it is still the object copied (DELETE with If-Match)"
          : "the store ignores conditional deletes: a move re-reads its source just before deleting it, so a newer state another process writes in that round trip can be lost",
        fencing: conditionalDeletes
          ? "exact: a completion copies only the object it checked and deletes its source with If-Match; when a newer attempt won, its copy is withdrawn and the call reports LeaseLost"
          : "the store ignores conditions: a completion checks the attempt, then writes; a re-claim by another process within that round trip is not detected",
        max_attempts: this.maxAttempts,
        lifecycle: LIFECYCLE_SUPPORT,
      },
    };
  }

  async close(): Promise<void> {
    if (this.ownsBackend) await this.backend.close();
  }
}

/** fail's retryDelaySeconds: S3Queue has no delays, so only 0 (the retry is available at once, as always) is taken. */
function assertNoRetryDelay(value: number | undefined): void {
  assertRetryDelay(value);
  if (value !== undefined && value > 0) {
    throw new InvalidArgument(
      "retryDelaySeconds",
      `S3Queue has no delays (it would have to list whole stages to hold items back), so a retry is available at once; got ${value}, only 0 is accepted`,
    );
  }
}

/** What describe says about the lifecycle: supported, unsupported, and why. */
const LIFECYCLE_SUPPORT: Record<string, JsonValue> = {
  leases: true,
  attempts: true,
  fencing: true,
  reasons: true,
  results: true,
  cancel: true,
  delete: true,
  priority: false,
  delay: false,
  unsupported:
    "priority and delay (delay_seconds, run_after, retry backoff) would need get to list and read whole stages: S3 lists keys only in key order and without their metadata. put_jobs refuses a priority other than 0, a delay above 0 or a run_after in the future (InvalidArgument naming the option); fail refuses retry_delay_seconds above 0; a retried item (fail or expired lease with attempts left) is available again at once",
  rescue:
    "a get that finds fewer than n WAITING items, and rescueExpired, list PROCESSING (1 LIST per 1,000 keys) and HEAD each object they have not seen with that ETag before (1 HEAD), then move each expired one (GET, PUT, conditional DELETE)",
  wait: "a get with wait_seconds polls while idle, after 0.1 s doubling to every 2 s: each poll is 1 LIST of WAITING and 1 LIST of PROCESSING (plus HEADs of PROCESSING objects not seen before)",
};
