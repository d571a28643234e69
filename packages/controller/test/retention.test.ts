import { setTimeout as sleep } from "node:timers/promises";
import { InMemoryQueue } from "@task-queue/queue-core";
import { DummyWorker, recordingLogger } from "@task-queue/queue-core/testing";
import { InMemoryEventStore, QueueWithEvents } from "@task-queue/queue-events";
import { describe, expect, it } from "vitest";
import { Controller } from "../src/controller.js";
import { applyRetention } from "../src/retention.js";
import { ReleaseAll } from "../src/strategies/release-all.js";
import { WorkQueue } from "../src/work-queue.js";

/** A queue on a clock the test moves, holding `done` SUCCESS items and `failed` FAIL items finished at time 0. */
async function finishedQueue(done: number, failed: number) {
  let now = 1_000_000;
  const queue = new InMemoryQueue({ now: () => now });
  const ids = Array.from({ length: done + failed }, (_, i) => `item-${i}`);
  await queue.put(Object.fromEntries(ids.map((id) => [id, {}])));
  await queue.get(ids.length);
  await queue.successMany(ids.slice(0, done));
  await queue.failMany(ids.slice(done));
  return { queue, advance: (seconds: number) => (now += seconds * 1000) };
}

describe("retention", () => {
  it("purges only stages with an age, only items older than it, a bounded number per run", async () => {
    const { queue, advance } = await finishedQueue(5, 2);
    advance(30);
    expect(await applyRetention(queue, { successSeconds: 60 })).toEqual({ SUCCESS: 0, FAIL: 0, events: 0 });
    advance(31);
    const first = await applyRetention(queue, {
      successSeconds: 60,
      batchItems: 2,
      maxItemsPerRun: 3,
      pauseMs: 0,
    });
    expect(first).toEqual({ SUCCESS: 3, FAIL: 0, events: 0 });
    expect(await queue.sizes()).toMatchObject({ SUCCESS: 2, FAIL: 2 });
    expect(await applyRetention(queue, { successSeconds: 60, batchItems: 2, pauseMs: 0 })).toEqual({
      SUCCESS: 2,
      FAIL: 0,
      events: 0,
    });
    expect(await applyRetention(queue, { successSeconds: 60, failSeconds: 3600 })).toEqual({
      SUCCESS: 0,
      FAIL: 0,
      events: 0,
    });
    advance(3600);
    expect(await applyRetention(queue, { failSeconds: 3600 })).toEqual({ SUCCESS: 0, FAIL: 2, events: 0 });
    expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
  });

  it("the controller applies its retention policy in each tick and reports what it purged", async () => {
    const { queue, advance } = await finishedQueue(3, 1);
    await queue.put({ fresh: 1 });
    const logger = recordingLogger();
    const workQueue = new WorkQueue(queue, new DummyWorker(), { logger });
    const controller = new Controller({
      workQueue,
      strategy: new ReleaseAll(),
      retention: { successSeconds: 10, failSeconds: 10, pauseMs: 0 },
      logger,
    });
    advance(11);
    const report = await controller.tick();
    expect(report).toMatchObject({ purged: 4, released: 1, sizes: { PROCESSING: 1, SUCCESS: 0, FAIL: 0 } });
    expect(logger.records.some((r) => r.msg === "retention purged finished items and old history")).toBe(
      true,
    );
    expect((await controller.tick()).purged).toBe(0);
  });

  it("trims recorded history older than its age, in batches, and leaves the items alone", async () => {
    const store = new InMemoryEventStore();
    const queue = new QueueWithEvents(new InMemoryQueue(), store, { base: "RETAIN" });
    const ids = Array.from({ length: 5 }, (_, i) => `item-${i}`);
    await queue.put(Object.fromEntries(ids.map((id) => [id, {}])));
    await queue.get(5);
    await queue.successMany(ids);
    // 5 puts, 5 moves to PROCESSING, 5 to SUCCESS.
    expect((await queue.history("item-0")).length).toBe(3);
    expect(await applyRetention(queue, { eventsSeconds: 3600 })).toEqual({ SUCCESS: 0, FAIL: 0, events: 0 });
    await sleep(5);
    const report = await applyRetention(queue, {
      eventsSeconds: 0,
      batchItems: 4,
      maxItemsPerRun: 12,
      pauseMs: 0,
    });
    expect(report).toEqual({ SUCCESS: 0, FAIL: 0, events: 12 });
    expect(await applyRetention(queue, { eventsSeconds: 0, pauseMs: 0 })).toEqual({
      SUCCESS: 0,
      FAIL: 0,
      events: 3,
    });
    expect((await store.readByName("RETAIN_ADD")).events).toEqual([]);
    expect((await store.readByName("RETAIN_MOVE")).events).toEqual([]);
    expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 5, FAIL: 0 });
  });

  it("keeps history for ever when the queue records none or no age is set", async () => {
    const queue = new InMemoryQueue();
    expect(await applyRetention(queue, { eventsSeconds: 0 })).toEqual({ SUCCESS: 0, FAIL: 0, events: 0 });
  });
});
