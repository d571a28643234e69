import type { JsonValue } from "./json.js";
import type {
  Completion,
  DeleteResult,
  ExtendOptions,
  FailOptions,
  FailOutcome,
  Failure,
  GetOptions,
  ItemRecord,
  Job,
  NewJob,
  RescueResult,
  SuccessOptions,
} from "./lifecycle.js";
import type { PurgeOptions, PurgeResult } from "./purge.js";
import type { QueueItemStage, StageName, StageSizes } from "./stage.js";

export type ItemId = string;

/** What put did: ids written, and ids skipped because they already exist in some stage. */
export interface PutResult {
  added: ItemId[];
  skipped: ItemId[];
}

/** Why an id in a batch move (requeue, successMany, failMany) was left where it was. */
export type SkipReason = "NOT_FOUND" | "WRONG_STAGE" | "LEASE_LOST";

export interface SkippedItem {
  id: ItemId;
  reason: SkipReason;
  /** The stage the item is in, when reason is WRONG_STAGE. */
  stage?: StageName;
}

/** The outcome of a batch move: ids moved, and ids skipped with the reason. */
export interface MoveResult {
  moved: ItemId[];
  skipped: SkippedItem[];
}

/** failMany's outcome: `moved` left PROCESSING; of those, `retried` went back to WAITING for another attempt. */
export interface FailManyResult extends MoveResult {
  retried: ItemId[];
}

export interface RequeueResult {
  requeued: ItemId[];
  skipped: SkippedItem[];
}

export interface QueueItem {
  itemId: ItemId;
  status: QueueItemStage;
  itemBody: JsonValue;
}

/**
 * A page request for lookupState: at most `limit` ids, continuing after `cursor` (opaque, from the previous page),
 * only ids that start with `prefix` when given (the operator console's filter).
 */
export interface PageRequest {
  limit?: number;
  cursor?: string;
  prefix?: string;
}

/**
 * A page of ids in one stage. `nextCursor` is null on the last page. Reading every page of a stage that is not
 * modified meanwhile yields each id exactly once; the order of ids is the backend's own.
 */
export interface StatePage {
  ids: ItemId[];
  nextCursor: string | null;
}

export interface QueueDescription {
  implementation: string;
  /** How the queue was configured; never holds a secret. */
  arguments: Record<string, JsonValue>;
}

/**
 * A queue of JSON items in four stages. Every implementation passes the conformance suite in
 * `@task-queue/queue-core/testing`, which is the specification of these methods.
 */
export interface Queue {
  /** Adds items (id → body) with the queue's defaults. Ids that already exist in any stage are skipped. An invalid batch is rejected whole. */
  put(items: Record<ItemId, JsonValue>): Promise<PutResult>;
  /** Adds items with per-item priority, delay and max attempts; otherwise as put. */
  putJobs(jobs: readonly NewJob[]): Promise<PutResult>;
  /**
   * Moves up to n available WAITING items to PROCESSING: highest priority first, oldest first (by the time they
   * entered WAITING) within a priority; items whose run_after is in the future wait. Items whose lease expired
   * count as a failed attempt first (retried or failed). Each hand-out increments the item's attempts.
   */
  get(n: number, options?: GetOptions): Promise<Array<[ItemId, JsonValue]>>;
  /** get, returning each item's attempt number (the fencing token) and lease expiry. */
  getJobs(n: number, options?: GetOptions): Promise<Job[]>;
  /** The items get(n) would return, moving nothing. */
  peek(n: number): Promise<Array<[ItemId, JsonValue]>>;
  /** Renews the lease held by `attempt` to now + leaseSeconds; returns the new expiry. LeaseLost if not current. */
  extend(id: ItemId, options: ExtendOptions): Promise<Date>;
  /** PROCESSING → SUCCESS, storing the result. ItemNotFound, InvalidTransition, or LeaseLost for a stale attempt. */
  success(id: ItemId, options?: SuccessOptions): Promise<void>;
  /**
   * A failed attempt: back to WAITING after a backoff while attempts remain, else PROCESSING → FAIL; the reason
   * becomes last_error. Returns where the item went. ItemNotFound, InvalidTransition, or LeaseLost.
   */
  fail(id: ItemId, options?: FailOptions): Promise<FailOutcome>;
  /** success for many items at once; items not in PROCESSING (or with a stale attempt) are skipped with the reason. */
  successMany(items: readonly (ItemId | Completion)[]): Promise<MoveResult>;
  /** fail for many items at once; items not in PROCESSING (or with a stale attempt) are skipped with the reason. */
  failMany(items: readonly (ItemId | Failure)[]): Promise<FailManyResult>;
  /** WAITING or PROCESSING → FAIL with the reason (a running job is stopped by its controller). */
  cancel(id: ItemId, reason?: string): Promise<void>;
  /** Removes items in WAITING, SUCCESS or FAIL for good; PROCESSING items (cancel them first) and unknown ids are skipped. */
  delete(ids: readonly ItemId[]): Promise<DeleteResult>;
  /** FAIL → WAITING (to the back of the line), attempts reset to 0, run_after cleared. Others skipped with the reason. */
  requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult>;
  /** Makes delayed WAITING items available now (clears run_after). Others skipped with the reason. */
  retryNow(ids: readonly ItemId[]): Promise<MoveResult>;
  /**
   * Retention: removes items of a stage (WAITING, SUCCESS or FAIL) whose last change is at least olderThanSeconds
   * ago, oldest first, up to `limit`, in small batches (never one long statement). With withRecords, returns what
   * it removed. Records no events: an item's history is kept (or trimmed) by the event store's own retention.
   */
  purge(options: PurgeOptions): Promise<PurgeResult>;
  /** Treats every PROCESSING item whose lease has expired as a failed attempt ("lease expired"). */
  rescueExpired(): Promise<RescueResult>;
  size(stage: QueueItemStage): Promise<number>;
  sizes(): Promise<StageSizes>;
  lookupStatus(id: ItemId): Promise<QueueItemStage>;
  lookupItem(id: ItemId): Promise<QueueItem>;
  /** Every lifecycle field of one item. */
  lookupRecord(id: ItemId): Promise<ItemRecord>;
  lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage>;
  description(): Promise<QueueDescription>;
  /**
   * Whether releasing is paused: a controller releases none of this queue's items while it is (items already
   * PROCESSING are still followed to the end). Stored with the queue, so every controller and the console agree.
   * Optional: a backend that stores no queue settings leaves both methods out (see canPause).
   */
  isPaused?(): Promise<boolean>;
  /** Stores the pause flag; setting the value it already has changes nothing. */
  setPaused?(paused: boolean): Promise<void>;
  /** Releases connections and handles. Safe to call twice. */
  close(): Promise<void>;
}

/** One step of an item's life, as the API and dashboard show it. */
export interface HistoryEntry {
  eventId: string;
  /** ISO 8601 time the event was recorded. */
  time: string;
  kind: "ADD" | "MOVE";
  /** The stage before the move; null for ADD. */
  from: StageName | null;
  to: StageName;
  /** Why, for moves that have a reason: a failure's reason, "lease expired", "job lost", a cancel's reason. */
  reason?: string;
  /** What kind of move, where more than the stages says it: RETRY, RESCUE, CANCEL, DELETE, REQUEUE. */
  action?: string;
}

/** A queue that can tell the history of its items (QueueWithEvents). */
export interface QueueWithHistory extends Queue {
  history(id: ItemId): Promise<HistoryEntry[]>;
}

export function hasHistory(queue: Queue): queue is QueueWithHistory {
  return typeof (queue as Partial<QueueWithHistory>).history === "function";
}

/**
 * A queue whose history can be trimmed by age (QueueWithEvents): the events side of retention. The history may be
 * shared with other queues (one event store, one pair of event names), and trimming applies to all of it.
 */
export interface TrimmableHistory extends Queue {
  /** Removes up to `limit` recorded events older than the age, oldest first, and returns how many it removed. */
  trimHistory(options: { olderThanSeconds: number; limit: number }): Promise<number>;
}

export function canTrimHistory(queue: Queue): queue is TrimmableHistory {
  return typeof (queue as Partial<TrimmableHistory>).trimHistory === "function";
}

/** A queue whose backend stores the pause flag. */
export interface PausableQueue extends Queue {
  isPaused(): Promise<boolean>;
  setPaused(paused: boolean): Promise<void>;
}

export function canPause(queue: Queue): queue is PausableQueue {
  return typeof queue.isPaused === "function" && typeof queue.setPaused === "function";
}

/** The queues a server reports (GET /api/v1/queues, its metrics): the default queue and every queue holding items. */
export async function servedQueueNames(queues: QueueNamespace, defaultQueue: string): Promise<string[]> {
  return [...new Set([defaultQueue, ...(await queues.listQueues())])].sort();
}

/**
 * Many named queues held by one backend (SQL: one table; S3: one sub-prefix each; memory: one map).
 * `queue(name)` returns a handle without creating anything; a queue exists once it holds an item.
 */
export interface QueueNamespace {
  queue(name: string): Queue;
  listQueues(): Promise<string[]>;
  close(): Promise<void>;
}
