import type { Queue } from "@task-queue/queue-core";
import type { ChangeRecorder } from "@task-queue/queue-sql/internal";
import type { EventStore } from "./event-store.js";
import type { EventDatabase } from "./sql/database.js";
import { SqlEventStore } from "./sql/sql-event-store.js";

/**
 * What QueueWithEvents needs of a queue to move items and record the events in one transaction: SqlQueue's
 * `database` and `transaction(fn)`, where fn gets a queue bound to the transaction and the transaction itself, and
 * `recording(recorder)`, whose statements write their own events.
 */
export interface TransactionalQueue extends Queue {
  readonly database: EventDatabase;
  transaction<T>(fn: (txQueue: Queue, tx: EventDatabase) => Promise<T>): Promise<T>;
  /** The same queue with its moves recorded inside their own statements (SqlQueue.recording). */
  recording(recorder: ChangeRecorder): Queue;
}

function isTransactionalQueue(queue: Queue): queue is TransactionalQueue {
  const candidate = queue as Partial<TransactionalQueue>;
  return (
    typeof candidate.transaction === "function" &&
    typeof candidate.recording === "function" &&
    typeof candidate.database === "object"
  );
}

/** The queue and store when both live in the same database handle, so a move and its events can share a transaction. */
export function sharedTransaction(
  queue: Queue,
  store: EventStore,
): { queue: TransactionalQueue; store: SqlEventStore } | null {
  if (!(store instanceof SqlEventStore) || !isTransactionalQueue(queue)) return null;
  return queue.database === store.database ? { queue, store } : null;
}
