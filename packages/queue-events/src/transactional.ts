import type { ItemId, JsonObject, Queue } from "@task-queue/queue-core";
import type { EventStore } from "./event-store.js";

/** What every event of one QueueWithEvents carries, and the per-item options of a putJobs call. */
export interface EventRecording {
  addName: string;
  moveName: string;
  queue: string;
  description: JsonObject;
  metadata: JsonObject;
  /** putJobs: the options each job was given (jobs without options are left out). */
  options?: ReadonlyMap<ItemId, JsonObject>;
}

/**
 * What QueueWithEvents needs of a queue to move items and record the events in one transaction: SqlQueue's
 * `database` and `transaction(fn)`, where fn gets a queue bound to the transaction and the transaction itself, and
 * `recording(recorder)`, whose statements write their own events.
 */
export interface TransactionalQueue extends Queue {
  readonly database: object;
  transaction<T>(fn: (txQueue: Queue, tx: object) => Promise<T>): Promise<T>;
  /** The same queue with its moves recorded inside their own statements (SqlQueue.recording). */
  recording(recorder: object): Queue;
}

/** An event store that can write through another handle on its database, e.g. an open transaction (SqlEventStore). */
export interface TransactionalEventStore extends EventStore {
  readonly database: object;
  withDatabase(database: object): EventStore;
  /** What the queue's statements run to write their changes as this store's events (given to `recording`). */
  recorder(recording: EventRecording): object;
}

// Recognised by shape, not by class: this module must not load the SQL store (and with it queue-sql) for users of
// the in-memory one.
function isTransactionalQueue(queue: Queue): queue is TransactionalQueue {
  const candidate = queue as Partial<TransactionalQueue>;
  return (
    typeof candidate.transaction === "function" &&
    typeof candidate.recording === "function" &&
    typeof candidate.database === "object"
  );
}

function isTransactionalStore(store: EventStore): store is TransactionalEventStore {
  const candidate = store as Partial<TransactionalEventStore>;
  return (
    typeof candidate.withDatabase === "function" &&
    typeof candidate.recorder === "function" &&
    typeof candidate.database === "object"
  );
}

/** The queue and store when both live in the same database handle, so a move and its events can share a transaction. */
export function sharedTransaction(
  queue: Queue,
  store: EventStore,
): { queue: TransactionalQueue; store: TransactionalEventStore } | null {
  if (!isTransactionalStore(store) || !isTransactionalQueue(queue)) return null;
  return queue.database === store.database ? { queue, store } : null;
}
