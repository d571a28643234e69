import { InMemoryQueue, type ItemId, type JsonValue, QueueItemStage } from "@task-queue/queue-core";
import { DummyWorker, recordingLogger } from "@task-queue/queue-core/testing";
import { describe, expect, it } from "vitest";
import { WorkQueue } from "../src/work-queue.js";
import { ManualClock } from "./helpers.js";

async function setup(count: number, gracePeriodMs = 10_000) {
  const queue = new InMemoryQueue();
  const worker = new DummyWorker();
  const clock = new ManualClock();
  const logger = recordingLogger();
  const items: Record<ItemId, JsonValue> = {};
  for (let i = 0; i < count; i++) items[`item-${i}`] = { n: i };
  await queue.put(items);
  const workQueue = new WorkQueue(queue, worker, { gracePeriodMs, clock, logger });
  return { queue, worker, clock, logger, workQueue };
}

describe("WorkQueue.pushNextJobs", () => {
  it("sends the first n WAITING items to the worker and leaves them in PROCESSING", async () => {
    const { queue, worker, workQueue } = await setup(5);
    const result = await workQueue.pushNextJobs(3);
    expect(result.sent).toEqual(["item-0", "item-1", "item-2"]);
    expect([...worker.jobs.keys()]).toEqual(["item-0", "item-1", "item-2"]);
    expect(worker.jobs.get("item-1")!.body).toEqual({ n: 1 });
    expect(await queue.sizes()).toMatchObject({ WAITING: 2, PROCESSING: 3 });
  });

  it("sends nothing for n = 0 and stops when WAITING runs out", async () => {
    const { worker, workQueue } = await setup(2);
    expect((await workQueue.pushNextJobs(0)).sent).toEqual([]);
    expect((await workQueue.pushNextJobs(10)).sent).toEqual(["item-0", "item-1"]);
    expect(worker.jobs.size).toBe(2);
  });

  it("moves an item whose send fails to FAIL and logs the error, then sends the rest", async () => {
    const { queue, worker, logger, workQueue } = await setup(3);
    const send = worker.sendJob.bind(worker);
    worker.sendJob = async (id, body) => {
      if (id === "item-1") throw new Error("cluster unreachable");
      return send(id, body);
    };
    const result = await workQueue.pushNextJobs(3);
    expect(result.sent).toEqual(["item-0", "item-2"]);
    expect(result.sendFailed).toEqual(["item-1"]);
    expect(await queue.lookupStatus("item-1")).toBe(QueueItemStage.FAIL);
    const line = logger.records.find((l) => l.level === "error");
    expect(line?.obj.item_id).toBe("item-1");
  });

  it("moves an item the strategy rejects to FAIL without sending it", async () => {
    const { queue, worker, logger, workQueue } = await setup(2);
    const result = await workQueue.pushNextJobs(2, {
      rejectReason: (id) => (id === "item-0" ? "needs gpu=8 (limit 2)" : null),
    });
    expect(result.rejected).toEqual(["item-0"]);
    expect(result.sent).toEqual(["item-1"]);
    expect(worker.jobs.has("item-0")).toBe(false);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.FAIL);
    expect(logger.records.find((l) => l.level === "error")?.obj).toMatchObject({
      item_id: "item-0",
      reason: "needs gpu=8 (limit 2)",
    });
  });
});

describe("WorkQueue.updateJobStatus", () => {
  it("moves finished jobs to SUCCESS and FAIL and deletes them from the worker", async () => {
    const { queue, worker, workQueue } = await setup(3);
    await workQueue.pushNextJobs(3);
    worker.markSuccess("item-0");
    worker.markFail("item-1");
    const result = await workQueue.updateJobStatus();
    expect(result).toEqual({ succeeded: ["item-0"], failed: ["item-1"], lost: [], retried: [] });
    expect(await queue.sizes()).toMatchObject({ PROCESSING: 1, SUCCESS: 1, FAIL: 1 });
    expect(worker.deleted.sort()).toEqual(["item-0", "item-1"]);
    expect(worker.jobs.has("item-2")).toBe(true);
  });

  it("does not fail a just-sent job the worker does not list yet, within the grace period", async () => {
    const { queue, worker, clock, workQueue } = await setup(1, 10_000);
    await workQueue.pushNextJobs(1);
    worker.jobs.clear(); // submitted, but not listed yet
    clock.advance(9_999);
    expect((await workQueue.updateJobStatus()).lost).toEqual([]);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.PROCESSING);
    clock.advance(1);
    expect((await workQueue.updateJobStatus()).lost).toEqual(["item-0"]);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.FAIL);
  });

  it("fails a PROCESSING item the worker never knew, a grace period after first seeing it", async () => {
    const { queue, clock, logger, workQueue } = await setup(1, 5_000);
    await queue.get(1); // taken by someone else: no job anywhere
    expect((await workQueue.updateJobStatus()).lost).toEqual([]);
    clock.advance(5_000);
    expect((await workQueue.updateJobStatus()).lost).toEqual(["item-0"]);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.FAIL);
    expect(logger.records.some((l) => l.level === "warn" && l.obj.item_id === "item-0")).toBe(true);
  });

  it("starts a fresh grace period when a job the worker listed disappears", async () => {
    const { queue, worker, clock, workQueue } = await setup(1, 5_000);
    await workQueue.pushNextJobs(1);
    clock.advance(60_000);
    await workQueue.updateJobStatus(); // listed as PROCESSING: fine
    worker.jobs.clear();
    expect((await workQueue.updateJobStatus()).lost).toEqual([]);
    clock.advance(5_000);
    expect((await workQueue.updateJobStatus()).lost).toEqual(["item-0"]);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.FAIL);
  });

  it("takes the worker's newest job for an item that ran twice", async () => {
    const { queue, worker, workQueue } = await setup(1);
    await workQueue.pushNextJobs(1);
    worker.markFail("item-0");
    expect((await workQueue.updateJobStatus()).failed).toEqual(["item-0"]);
    await queue.requeue("item-0");
    // The second run replaces the first in the worker; its state (still running) is what counts.
    await workQueue.pushNextJobs(1);
    expect(await workQueue.updateJobStatus()).toEqual({ succeeded: [], failed: [], lost: [], retried: [] });
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.PROCESSING);
    worker.markSuccess("item-0");
    expect((await workQueue.updateJobStatus()).succeeded).toEqual(["item-0"]);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.SUCCESS);
  });

  it("forgets a finished job whose item was already moved by a client, without moving the item", async () => {
    const { queue, worker, workQueue } = await setup(1);
    await workQueue.pushNextJobs(1);
    await queue.fail("item-0");
    worker.markSuccess("item-0");
    expect((await workQueue.updateJobStatus()).succeeded).toEqual([]);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.FAIL);
    expect(worker.deleted).toEqual(["item-0"]);
  });

  it("keeps a finished job whose delete failed and tries again next tick", async () => {
    const { queue, worker, logger, workQueue } = await setup(1);
    await workQueue.pushNextJobs(1);
    worker.markSuccess("item-0");
    const remove = worker.deleteJob.bind(worker);
    worker.deleteJob = async () => {
      throw new Error("api down");
    };
    expect((await workQueue.updateJobStatus()).succeeded).toEqual(["item-0"]);
    expect(logger.records.some((l) => l.level === "warn")).toBe(true);
    worker.deleteJob = remove;
    await workQueue.updateJobStatus();
    expect(worker.deleted).toEqual(["item-0"]);
    expect(await queue.lookupStatus("item-0")).toBe(QueueItemStage.SUCCESS);
  });
});
