import { hasStats, InMemoryQueue, InMemoryQueueNamespace, ItemNotFound } from "@task-queue/queue-core";
import { EVERY_CAPABILITY, runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Event,
  type EventStore,
  InMemoryEventStore,
  QueueWithEvents,
  withEvents,
} from "../src/index.js";
import { SqlEventStore } from "../src/sql/index.js";
import { openPglite } from "./support/databases.js";
import { itRecordsTheLifecycle } from "./support/lifecycle-lives.js";
import { expectLifeRecorded } from "./support/lives.js";

runQueueConformance(
  "QueueWithEvents over InMemoryQueue",
  () => new QueueWithEvents(new InMemoryQueue(), new InMemoryEventStore(), { base: "TASK" }),
  EVERY_CAPABILITY,
  { implementation: "QueueWithEvents" },
);

function wrapped(name = "default") {
  const store = new InMemoryEventStore();
  const queue = new QueueWithEvents(new InMemoryQueue({ name }), store, { base: "TASK" });
  return { queue, store };
}

async function eventsOf(store: InMemoryEventStore, name: string): Promise<Event[]> {
  return (await store.readByName(name, { limit: 1_000 })).events;
}

describe("QueueWithEvents over InMemoryQueue", () => {
  it("records the exact events of put → get → fail → requeue → get → success, and tells the history", async () => {
    const { queue } = wrapped("renders");
    expect(queue.atomic).toBe(false);
    await expectLifeRecorded(queue, "renders");
  });

  it("stats come from the history: every finish in the window, durations as the finishing attempt's PROCESSING time", async () => {
    const { queue } = wrapped("stats");
    await queue.put({ again: 1, cancelled: 2 });
    await queue.get(1);
    await queue.fail("again", { reason: "flaky" });
    await queue.cancel("cancelled", "not needed");
    await queue.requeue(["again"]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await queue.get(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await queue.success("again");
    const stats = await queue.stats({ sinceSeconds: 600 });
    expect(stats).toMatchObject({
      source: "events",
      sizes: { WAITING: 0, PROCESSING: 0, SUCCESS: 1, FAIL: 1 },
      // The item's first, requeued failure is counted too: it happened in the window.
      done: 1,
      failed: 2,
      topFailures: [
        { reason: "flaky", count: 1 },
        { reason: "not needed", count: 1 },
      ],
    });
    // Two attempts measured (the cancelled item was never handed out); the second took at least 50 ms, and neither
    // counts the 30 ms the item waited between them.
    expect(stats.durationSeconds.measures).toBe("processing");
    expect(stats.durationSeconds.p95).toBeGreaterThanOrEqual(0.045);
    expect(stats.durationSeconds.median).toBeLessThan(stats.durationSeconds.p95! + 1e-9);
    const inner = queue.inner;
    if (!hasStats(inner)) throw new Error("InMemoryQueue keeps stats");
    const fromItems = await inner.stats({ sinceSeconds: 600 });
    expect(fromItems).toMatchObject({ source: "items", done: 1, failed: 1 });
  });

  it("skipped items record nothing: duplicates, ids in the wrong stage, unknown ids", async () => {
    const { queue, store } = wrapped();
    await queue.put({ a: 1, b: 2 });
    await queue.put({ a: "again", c: 3 });
    expect((await eventsOf(store, "TASK_ADD")).map((event) => event.data.id)).toEqual(["a", "b", "c"]);
    await queue.get(1);
    const moved = await queue.successMany(["a", "b", "nope"]);
    expect(moved.moved).toEqual(["a"]);
    expect(await queue.failMany(["a", "c"])).toEqual({
      moved: [],
      retried: [],
      skipped: [
        { id: "a", reason: "WRONG_STAGE", stage: "SUCCESS" },
        { id: "c", reason: "WRONG_STAGE", stage: "WAITING" },
      ],
    });
    expect((await queue.requeue(["a", "b", "zzz"])).requeued).toEqual([]);
    await expect(queue.success("b")).rejects.toThrow();
    expect(await queue.get(0)).toEqual([]);
    const moves = (await eventsOf(store, "TASK_MOVE")).map((event) => [event.data.id, event.data.to]);
    expect(moves).toEqual([
      ["a", "PROCESSING"],
      ["a", "SUCCESS"],
    ]);
  });

  it("batch moves record one event per moved item", async () => {
    const { queue, store } = wrapped();
    await queue.put({ a: 1, b: 2, c: 3, d: 4 });
    await queue.get(4);
    await queue.successMany(["a", "b"]);
    await queue.failMany(["c", "d"]);
    await queue.requeue(["c", "d"]);
    const moves = (await eventsOf(store, "TASK_MOVE")).map((event) => `${event.data.id}:${event.data.to}`);
    expect(moves.slice(4)).toEqual(["a:SUCCESS", "b:SUCCESS", "c:FAIL", "d:FAIL", "c:WAITING", "d:WAITING"]);
  });

  it("takes two event names like the original, and one store serves many queues", async () => {
    const store = new InMemoryEventStore();
    const names = { add: "QueueAdd", move: "QueueMove" };
    const first = new QueueWithEvents(new InMemoryQueue({ name: "first" }), store, names);
    const second = new QueueWithEvents(new InMemoryQueue(), store, names, { queueName: "second" });
    await first.put({ same: 1 });
    await second.put({ same: 2 });
    await second.get(1);
    expect((await first.history("same")).map((entry) => entry.to)).toEqual(["WAITING"]);
    expect((await second.history("same")).map((entry) => entry.to)).toEqual(["WAITING", "PROCESSING"]);
    const adds = await eventsOf(store, "QueueAdd");
    expect(adds.map((event) => [event.data.queue, event.data.body])).toEqual([
      ["first", 1],
      ["second", 2],
    ]);
    expect(() => new QueueWithEvents(new InMemoryQueue(), store, { add: "X", move: "X" })).toThrow();
  });

  it("history of an unknown id is ItemNotFound; an item put before wrapping has an empty history", async () => {
    const inner = new InMemoryQueue();
    await inner.put({ old: 1 });
    const queue = new QueueWithEvents(inner, new InMemoryEventStore(), { base: "TASK" });
    await expect(queue.history("missing")).rejects.toBeInstanceOf(ItemNotFound);
    expect(await queue.history("old")).toEqual([]);
  });

  it("describes itself and the queue it wraps", async () => {
    const { queue } = wrapped("described");
    expect(await queue.description()).toEqual({
      implementation: "QueueWithEvents",
      arguments: {
        queue: { implementation: "InMemoryQueue", arguments: { queue_name: "described" } },
        event_names: { add: "TASK_ADD", move: "TASK_MOVE" },
      },
    });
  });

  it("withEvents wraps every queue of a namespace, each recording its own name", async () => {
    const store = new InMemoryEventStore();
    const namespace = withEvents(new InMemoryQueueNamespace(), store, { base: "NS" });
    await namespace.queue("alpha").put({ x: 1 });
    await namespace.queue("beta").put({ x: 2 });
    await namespace.queue("beta").get(1);
    expect(namespace.queue("alpha")).toBe(namespace.queue("alpha"));
    expect(await namespace.listQueues()).toEqual(["alpha", "beta"]);
    expect((await store.itemHistory("beta", "x")).map((event) => event.name)).toEqual(["NS_ADD", "NS_MOVE"]);
    expect((await namespace.queue("alpha").history("x")).map((entry) => entry.kind)).toEqual(["ADD"]);
    await namespace.close();
  });
});

const lifecycleStores: Array<{ label: string; open: () => Promise<StoreFixture> }> = [
  {
    label: "InMemoryEventStore",
    open: async () => ({ store: new InMemoryEventStore(), close: async () => {} }),
  },
  { label: "SqlEventStore on PGlite", open: openPgliteStore },
];

for (const { label, open } of lifecycleStores) {
  describe(`QueueWithEvents over InMemoryQueue, ${label}: the lifecycle moves`, () => {
    let fixture: StoreFixture | undefined;
    beforeAll(async () => {
      fixture = await open();
    });
    afterAll(() => fixture?.close());
    itRecordsTheLifecycle(
      (queueName) =>
        new QueueWithEvents(new InMemoryQueue({ name: queueName }), fixture!.store, { base: "TASK" }),
    );
  });
}

interface StoreFixture {
  store: EventStore;
  close: () => Promise<void>;
}

async function openPgliteStore(): Promise<StoreFixture> {
  const database = await openPglite();
  const store = new SqlEventStore(database.db);
  await store.migrate();
  return { store, close: () => database.close() };
}
