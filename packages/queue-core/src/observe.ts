import type { RescueResult } from "./lifecycle.js";
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

/**
 * A backend that reports its rescues of expired leases itself, from the place that makes them: a claim that rescues
 * before it takes (SQL, S3), a read that rescues first (InMemoryQueue), rescueExpired, a namespace's sweep. The
 * results of calls cannot show these (a get returns what it handed out, not what it rescued on the way), so
 * observeQueue and observeNamespace register their observer here, and each rescue is told once to each observer.
 */
export interface ReportsRescues {
  /** From now on, tells `observer` of every rescue this queue (or namespace) makes; registering twice changes nothing. */
  observeRescues(observer: QueueObserver): void;
}

export function reportsRescues(target: object): target is ReportsRescues {
  return typeof (target as Partial<ReportsRescues>).observeRescues === "function";
}

/**
 * The observers of one backend's rescues: a namespace shares one among its queues (and their transaction and
 * recording handles), so a rescue is told once however many handles or wrappers registered the same observer.
 */
export class RescueObservers {
  private readonly observers = new Set<QueueObserver>();

  add(observer: QueueObserver): void {
    this.observers.add(observer);
  }

  /** Tells every observer what one rescue in `queue` did: each item's lease expired, and it was retried or failed. */
  report(queue: string, { retried, failed }: RescueResult): void {
    if (retried.length + failed.length === 0) return;
    for (const observer of this.observers) {
      observer.observe({ queue, kind: "leaseExpired", ids: [...retried, ...failed] });
      if (retried.length > 0) observer.observe({ queue, kind: "retried", ids: retried });
      if (failed.length > 0) observer.observe({ queue, kind: "failed", ids: failed });
    }
  }
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
  // Rescues (rescueExpired's and those inside other calls) are told by the backend itself: see ReportsRescues.
};

/**
 * The queue, telling `observer` of each put and move made through it, and of every rescue of expired leases its
 * backend makes (ReportsRescues: wherever the rescue happens, even in a call made through another handle). Every
 * other property (history, stats, pause, a SQL queue's database) is the queue's own, so type checks such as
 * hasHistory see the same queue.
 */
export function observeQueue<Q extends Queue>(queue: Q, name: string, observer: QueueObserver): Q {
  if (reportsRescues(queue)) queue.observeRescues(observer);
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
  if (reportsRescues(namespace)) namespace.observeRescues(observer);
  return new Proxy(namespace, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === "queue") return (name: string) => observeQueue(target.queue(name), name, observer);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
