import { setTimeout as sleep } from "node:timers/promises";
import {
  InvalidArgument,
  InvalidStage,
  InvalidTransition,
  ItemNotFound,
  LEASE_EXPIRED_REASON,
  QueueItemStage,
} from "@task-queue/queue-core";
import { expect, it } from "vitest";
import { type Event, ITEM_EVENT_VERSION, type QueueWithEvents } from "../../src/index.js";

/** The item's events as [name kind, data without queue/id/description], for exact comparison. */
async function eventsOf(queue: QueueWithEvents, queueName: string, id: string) {
  const events = await queue.store.itemHistory(queueName, id);
  for (const event of events) expect(event.version).toBe(ITEM_EVENT_VERSION);
  return events.map((event: Event) => {
    const { queue: q, id: itemId, description, ...rest } = event.data;
    expect([q, itemId]).toEqual([queueName, id]);
    return [event.name === queue.names.add ? "ADD" : "MOVE", rest];
  });
}

/** Calls rescueExpired (through the wrapper, so it records) until the lease of `id` has expired and been rescued. */
async function rescueOf(queue: QueueWithEvents, id: string) {
  for (let i = 0; i < 400; i++) {
    const rescued = await queue.rescueExpired();
    if (rescued.retried.includes(id) || rescued.failed.includes(id)) return rescued;
    await sleep(25);
  }
  throw new Error(`the lease of ${id} never expired`);
}

/**
 * One item through every lifecycle move — putJobs, get with a lease, fail (retry), lease expiry (rescue), cancel,
 * requeue, delete — checking the exact events and the history with reasons and actions.
 */
export async function expectLifecycleRecorded(queue: QueueWithEvents, queueName: string): Promise<void> {
  await queue.putJobs([{ id: "job", body: { n: 1 }, maxAttempts: 3, priority: 2 }]);
  const [first] = await queue.getJobs(1, { leaseSeconds: 600 });
  expect(first?.attempt).toBe(1);
  expect(await queue.fail("job", { attempt: 1, reason: "boom", retryDelaySeconds: 0 })).toBe("WAITING");
  // extend is a heartbeat and retryNow changes no stage: neither records anything.
  const [second] = await queue.getJobs(1, { leaseSeconds: 0.1 });
  expect(second?.attempt).toBe(2);
  await expect(queue.extend("job", { attempt: 1, leaseSeconds: 60 })).rejects.toThrow();
  expect(await rescueOf(queue, "job")).toEqual({ retried: ["job"], failed: [] });
  expect((await queue.retryNow(["job"])).moved).toEqual(["job"]);
  const [third] = await queue.getJobs(1, { leaseSeconds: 600 });
  expect(third?.attempt).toBe(3);
  await queue.extend("job", { attempt: 3, leaseSeconds: 600 });
  await queue.cancel("job", "operator said stop");
  expect((await queue.lookupRecord("job")).lastError).toBe("operator said stop");
  expect((await queue.requeue("job")).requeued).toEqual(["job"]);
  expect(await queue.delete(["job"])).toEqual({ deleted: ["job"], skipped: [] });

  const move = (from: string, to: string, extra: Record<string, unknown> = {}) => [
    "MOVE",
    { from, to, ...extra },
  ];
  expect(await eventsOf(queue, queueName, "job")).toEqual([
    ["ADD", { body: { n: 1 }, options: { priority: 2, maxAttempts: 3 } }],
    move("WAITING", "PROCESSING", { attempt: 1 }),
    move("PROCESSING", "WAITING", { action: "RETRY", reason: "boom" }),
    move("WAITING", "PROCESSING", { attempt: 2 }),
    move("PROCESSING", "WAITING", { action: "RESCUE", reason: LEASE_EXPIRED_REASON }),
    move("WAITING", "PROCESSING", { attempt: 3 }),
    move("PROCESSING", "FAIL", { action: "CANCEL", reason: "operator said stop" }),
    move("FAIL", "WAITING", { action: "REQUEUE" }),
    move("WAITING", "WAITING", { action: "DELETE" }),
  ]);

  // The history outlives the item: its last entry says it was deleted.
  await expect(queue.lookupStatus("job")).rejects.toBeInstanceOf(ItemNotFound);
  const history = await queue.history("job");
  expect(history.map(({ kind, from, to, action, reason }) => ({ kind, from, to, action, reason }))).toEqual([
    { kind: "ADD", from: null, to: "WAITING", action: undefined, reason: undefined },
    { kind: "MOVE", from: "WAITING", to: "PROCESSING", action: undefined, reason: undefined },
    { kind: "MOVE", from: "PROCESSING", to: "WAITING", action: "RETRY", reason: "boom" },
    { kind: "MOVE", from: "WAITING", to: "PROCESSING", action: undefined, reason: undefined },
    { kind: "MOVE", from: "PROCESSING", to: "WAITING", action: "RESCUE", reason: LEASE_EXPIRED_REASON },
    { kind: "MOVE", from: "WAITING", to: "PROCESSING", action: undefined, reason: undefined },
    { kind: "MOVE", from: "PROCESSING", to: "FAIL", action: "CANCEL", reason: "operator said stop" },
    { kind: "MOVE", from: "FAIL", to: "WAITING", action: "REQUEUE", reason: undefined },
    { kind: "MOVE", from: "WAITING", to: "WAITING", action: "DELETE", reason: undefined },
  ]);
  // Entries without a reason or action have no such keys (the HTTP answer leaves them out).
  expect(Object.keys(history[1]!).sort()).toEqual(["eventId", "from", "kind", "time", "to"]);

  // Put again after the delete, the id's history goes on.
  await queue.put({ job: 2 });
  expect((await queue.history("job")).map((entry) => entry.kind).slice(-2)).toEqual(["MOVE", "ADD"]);
}

/** failMany with reasons (some retried, some final), a rescue to FAIL seen by a read, cancel and delete per stage. */
export async function expectBatchAndEdgeMovesRecorded(
  queue: QueueWithEvents,
  queueName: string,
): Promise<void> {
  await queue.putJobs([
    { id: "again", body: 1, maxAttempts: 2 },
    { id: "final", body: 2 },
    { id: "plain", body: 3, maxAttempts: 2 },
  ]);
  expect((await queue.getJobs(3)).map((job) => job.itemId)).toEqual(["again", "final", "plain"]);
  const failed = await queue.failMany([
    { id: "again", reason: "flaky", retryDelaySeconds: 0 },
    { id: "final", reason: "broken" },
    { id: "again", reason: "repeated ids: the first counts" },
    "plain",
    "unknown",
  ]);
  expect(failed.moved).toEqual(["again", "final", "plain"]);
  expect(failed.retried.sort()).toEqual(["again", "plain"]);
  expect((await eventsOf(queue, queueName, "again")).slice(2)).toEqual([
    ["MOVE", { from: "PROCESSING", to: "WAITING", action: "RETRY", reason: "flaky" }],
  ]);
  expect((await eventsOf(queue, queueName, "final")).slice(2)).toEqual([
    ["MOVE", { from: "PROCESSING", to: "FAIL", reason: "broken" }],
  ]);
  expect((await eventsOf(queue, queueName, "plain")).slice(2)).toEqual([
    ["MOVE", { from: "PROCESSING", to: "WAITING", action: "RETRY" }],
  ]);

  // A lease that expires with no attempt left: rescued to FAIL, and recorded although only reads ran.
  await queue.retryNow(["again", "plain"]);
  const retried = await queue.getJobs(2);
  expect(retried.map((job) => job.itemId).sort()).toEqual(["again", "plain"]);
  await queue.successMany(retried.map((job) => ({ id: job.itemId, attempt: job.attempt, result: "ok" })));
  await queue.put({ leased: 4 });
  expect((await queue.getJobs(1, { leaseSeconds: 0.1 }))[0]?.itemId).toBe("leased");
  for (let i = 0; i < 400 && (await queue.sizes()).PROCESSING > 0; i++) await sleep(25);
  expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 2, FAIL: 2 });
  expect((await eventsOf(queue, queueName, "leased")).slice(-1)).toEqual([
    ["MOVE", { from: "PROCESSING", to: "FAIL", action: "RESCUE", reason: LEASE_EXPIRED_REASON }],
  ]);

  // cancel: a WAITING item with the default reason; refused cancels record nothing.
  await queue.put({ idle: 5, busy: 6 });
  expect((await queue.get(1)).map(([id]) => id)).toEqual(["idle"]);
  await queue.cancel("busy");
  await expect(queue.cancel("busy", "twice")).rejects.toBeInstanceOf(InvalidTransition);
  await expect(queue.cancel("nobody")).rejects.toBeInstanceOf(ItemNotFound);
  expect((await eventsOf(queue, queueName, "busy")).slice(1)).toEqual([
    ["MOVE", { from: "WAITING", to: "FAIL", action: "CANCEL", reason: "cancelled" }],
  ]);
  expect(await queue.history("nobody").catch((error: Error) => error.name)).toBe("ItemNotFound");

  // delete from every stage it allows; PROCESSING and unknown ids are skipped and record nothing.
  await queue.put({ waits: 7 });
  const deleted = await queue.delete(["again", "final", "waits", "idle", "ghost", "waits"]);
  expect(deleted.deleted).toEqual(["again", "final", "waits"]);
  expect(deleted.skipped).toEqual([
    { id: "idle", reason: "WRONG_STAGE", stage: "PROCESSING" },
    { id: "ghost", reason: "NOT_FOUND" },
  ]);
  const lastOf = async (id: string) => (await eventsOf(queue, queueName, id)).at(-1);
  expect(await lastOf("again")).toEqual(["MOVE", { from: "SUCCESS", to: "SUCCESS", action: "DELETE" }]);
  expect(await lastOf("final")).toEqual(["MOVE", { from: "FAIL", to: "FAIL", action: "DELETE" }]);
  expect(await lastOf("waits")).toEqual(["MOVE", { from: "WAITING", to: "WAITING", action: "DELETE" }]);
  expect(await lastOf("idle")).toEqual(["MOVE", { from: "WAITING", to: "PROCESSING", attempt: 1 }]);
  expect(await queue.store.itemHistory(queueName, "ghost")).toEqual([]);
  expect(await queue.size(QueueItemStage.PROCESSING)).toBe(1);
}

/** Bad arguments are refused before anything moves: not even a due rescue happens or is recorded. */
export async function expectBadCallsChangeNothing(queue: QueueWithEvents, queueName: string): Promise<void> {
  await queue.putJobs([{ id: "held", body: 1, maxAttempts: 2 }]);
  await queue.getJobs(1, { leaseSeconds: 0.05 });
  await sleep(100);
  const bad: Array<() => Promise<unknown>> = [
    () => queue.getJobs(1, { leaseSeconds: -1 }),
    () => queue.get(-1),
    () => queue.peek(-1),
    () => queue.lookupState(QueueItemStage.WAITING, { limit: -5 }),
    () => queue.delete("held" as unknown as string[]),
    () => queue.cancel("held", 5 as unknown as string),
  ];
  for (const call of bad) await expect(call()).rejects.toBeInstanceOf(InvalidArgument);
  await expect(queue.size("NOPE" as unknown as QueueItemStage)).rejects.toBeInstanceOf(InvalidStage);
  expect(await eventsOf(queue, queueName, "held")).toEqual([
    ["ADD", { body: 1, options: { maxAttempts: 2 } }],
    ["MOVE", { from: "WAITING", to: "PROCESSING", attempt: 1 }],
  ]);
  expect(await queue.rescueExpired()).toEqual({ retried: ["held"], failed: [] });
}

/** Registers the three scenarios above, each on its own queue from `queueFor(name)`. */
export function itRecordsTheLifecycle(queueFor: (queueName: string) => QueueWithEvents): void {
  const scenarios = [
    [
      "one item through every move: exact events, reasons and actions, history after delete",
      expectLifecycleRecorded,
    ],
    [
      "failMany reasons, a rescue seen by a read, cancel and delete per stage",
      expectBatchAndEdgeMovesRecorded,
    ],
    ["bad calls change nothing, not even a due rescue", expectBadCallsChangeNothing],
  ] as const;
  scenarios.forEach(([name, scenario], index) => {
    it(`lifecycle: ${name}`, async () => {
      const queueName = `lifecycle-${index}`;
      await scenario(queueFor(queueName), queueName);
    });
  });
}
