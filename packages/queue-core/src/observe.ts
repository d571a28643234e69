import type { FailManyResult, ItemId, MoveResult, PutResult, Queue, QueueNamespace } from "./queue.js";

/**
 * What happened to items of one queue through one call. `retried` are failed attempts that went back to WAITING,
 * `failed` went to FAIL for good; `leaseExpired` are the attempts a rescue failed (they are also counted as retried
 * or failed).
 */
export type QueueEventKind =
  | "put"
  | "handedOut"
  | "succeeded"
  | "failed"
  | "retried"
  | "leaseExpired"
  | "cancelled";

export interface QueueEvent {
  queue: string;
  kind: QueueEventKind;
  ids: readonly ItemId[];
}

/** Told of every put and move made through an observed queue (metrics count them; see observeNamespace). */
export interface QueueObserver {
  observe(event: QueueEvent): void;
}

type Report = (kind: QueueEventKind, ids: readonly ItemId[]) => void;

/** The calls that move items, each with how its result turns into events. Everything else passes through. */
const OBSERVED: Record<string, (result: unknown, args: unknown[], report: Report) => void> = {
  put: (result, _args, report) => report("put", (result as PutResult).added),
  putJobs: (result, _args, report) => report("put", (result as PutResult).added),
  get: (result, _args, report) =>
    report(
      "handedOut",
      (result as Array<[ItemId, unknown]>).map(([id]) => id),
    ),
  getJobs: (result, _args, report) =>
    report(
      "handedOut",
      (result as Array<{ itemId: ItemId }>).map((job) => job.itemId),
    ),
  success: (_result, args, report) => report("succeeded", [args[0] as ItemId]),
  successMany: (result, _args, report) => report("succeeded", (result as MoveResult).moved),
  fail: (result, args, report) => report(result === "WAITING" ? "retried" : "failed", [args[0] as ItemId]),
  failMany: (result, _args, report) => {
    const { moved, retried } = result as FailManyResult;
    const again = new Set(retried);
    report(
      "failed",
      moved.filter((id) => !again.has(id)),
    );
    report("retried", retried);
  },
  cancel: (_result, args, report) => report("cancelled", [args[0] as ItemId]),
  rescueExpired: (result, _args, report) => {
    const { retried, failed } = result as { retried: ItemId[]; failed: ItemId[] };
    report("leaseExpired", [...retried, ...failed]);
    report("retried", retried);
    report("failed", failed);
  },
};

/**
 * The queue, telling `observer` of each put and move made through it. Every other property (history, stats, pause,
 * a SQL queue's database) is the queue's own, so type checks such as hasHistory see the same queue.
 */
export function observeQueue<Q extends Queue>(queue: Q, name: string, observer: QueueObserver): Q {
  const report: Report = (kind, ids) => {
    if (ids.length > 0) observer.observe({ queue: name, kind, ids });
  };
  return new Proxy(queue, {
    get(target, property) {
      // The queue as receiver: getters and private fields see the queue, not the proxy.
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const toEvents = typeof property === "string" ? OBSERVED[property] : undefined;
      // Bound to the queue itself: its own internal calls (get → getJobs) are not observed twice.
      if (toEvents === undefined) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        toEvents(result, args, report);
        return result;
      };
    },
  });
}

/** The namespace, each of whose queues is observed (see observeQueue). */
export function observeNamespace<N extends QueueNamespace>(namespace: N, observer: QueueObserver): N {
  return new Proxy(namespace, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === "queue") return (name: string) => observeQueue(target.queue(name), name, observer);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
