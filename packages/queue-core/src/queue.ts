import type { JsonValue } from "./json.js";
import type { QueueItemStage, StageName, StageSizes } from "./stage.js";

export type ItemId = string;

/** What put did: ids written, and ids skipped because they already exist in some stage. */
export interface PutResult {
  added: ItemId[];
  skipped: ItemId[];
}

/** Why an id in a batch move (requeue, successMany, failMany) was left where it was. */
export type SkipReason = "NOT_FOUND" | "WRONG_STAGE";

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

export interface RequeueResult {
  requeued: ItemId[];
  skipped: SkippedItem[];
}

export interface QueueItem {
  itemId: ItemId;
  status: QueueItemStage;
  itemBody: JsonValue;
}

/** A page request for lookupState: at most `limit` ids, continuing after `cursor` (opaque, from the previous page). */
export interface PageRequest {
  limit?: number;
  cursor?: string;
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
  /** Adds items (id → body). Ids that already exist in any stage are skipped. An invalid batch is rejected whole. */
  put(items: Record<ItemId, JsonValue>): Promise<PutResult>;
  /** Moves up to n WAITING items to PROCESSING, oldest first by the time they entered WAITING. */
  get(n: number): Promise<Array<[ItemId, JsonValue]>>;
  /** The items get(n) would return, moving nothing. */
  peek(n: number): Promise<Array<[ItemId, JsonValue]>>;
  /** PROCESSING → SUCCESS. ItemNotFound or InvalidTransition otherwise. */
  success(id: ItemId): Promise<void>;
  /** PROCESSING → FAIL. ItemNotFound or InvalidTransition otherwise. */
  fail(id: ItemId): Promise<void>;
  /** PROCESSING → SUCCESS for many ids at once; ids not in PROCESSING are skipped with the reason. */
  successMany(ids: readonly ItemId[]): Promise<MoveResult>;
  /** PROCESSING → FAIL for many ids at once; ids not in PROCESSING are skipped with the reason. */
  failMany(ids: readonly ItemId[]): Promise<MoveResult>;
  size(stage: QueueItemStage): Promise<number>;
  sizes(): Promise<StageSizes>;
  lookupStatus(id: ItemId): Promise<QueueItemStage>;
  lookupItem(id: ItemId): Promise<QueueItem>;
  lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage>;
  description(): Promise<QueueDescription>;
  /** FAIL → WAITING (to the back of the line). Ids not in FAIL are skipped with the reason. */
  requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult>;
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
}

/** A queue that can tell the history of its items (QueueWithEvents). */
export interface QueueWithHistory extends Queue {
  history(id: ItemId): Promise<HistoryEntry[]>;
}

export function hasHistory(queue: Queue): queue is QueueWithHistory {
  return typeof (queue as Partial<QueueWithHistory>).history === "function";
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
