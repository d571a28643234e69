import { InMemoryQueue, JOB_LOST_REASON } from "@task-queue/queue-core";
import { DummyWorker, recordingLogger } from "@task-queue/queue-core/testing";
import { describe, expect, it } from "vitest";
import { Controller } from "../src/controller.js";
import { ProcessingLimit } from "../src/strategies/processing-limit.js";
import { ResourceLimit } from "../src/strategies/resource-limit.js";
import { WorkQueue } from "../src/work-queue.js";
import { ManualClock } from "./helpers.js";

const GRACE_MS = 60_000;

/** A queue whose retries are due at once (no backoff), a worker, and a controller over both. */
function setup(options: { maxAttempts?: number } = {}) {
  const clock = new ManualClock();
  const queue = new InMemoryQueue({
    lifecycle: { maxAttempts: options.maxAttempts ?? 1, backoff: { baseSeconds: 0, maxSeconds: 0 } },
    now: () => clock.now(),
  });
  const worker = new DummyWorker();
  const logger = recordingLogger();
  const workQueue = new WorkQueue(queue, worker, { gracePeriodMs: GRACE_MS, logger, clock });
  const controller = new Controller({ workQueue, strategy: new ProcessingLimit(4), logger });
  return { clock, queue, worker, logger, workQueue, controller };
}

describe("WorkQueue attempts (issue 11)", () => {
  it("a failed job is a failed attempt: retried with the worker's lastError, then SUCCESS with attempts = 2", async () => {
    const { queue, worker, controller } = setup();
    await queue.putJobs([{ id: "flaky", body: {}, maxAttempts: 3 }]);
    await controller.tick();
    worker.markFail("flaky", "exit code 1; stderr:\nfirst try fails");
    const failedTick = await controller.tick();
    expect(failedTick).toMatchObject({ retried: 1, failed: 0 });
    // Retried and released again in the same tick (no backoff here), as attempt 2.
    expect(await queue.lookupRecord("flaky")).toMatchObject({
      stage: "PROCESSING",
      attempts: 2,
      lastError: "exit code 1; stderr:\nfirst try fails",
    });
    worker.markSuccess("flaky");
    expect(await controller.tick()).toMatchObject({ succeeded: 1 });
    expect(await queue.lookupRecord("flaky")).toMatchObject({ stage: "SUCCESS", attempts: 2 });
  });

  it("the last attempt's failure is final: FAIL with last_error", async () => {
    const { queue, worker, controller } = setup({ maxAttempts: 1 });
    await queue.put({ once: 1 });
    await controller.tick();
    worker.markFail("once", "exit code 3");
    expect(await controller.tick()).toMatchObject({ failed: 1, retried: 0 });
    expect(await queue.lookupRecord("once")).toMatchObject({
      stage: "FAIL",
      attempts: 1,
      lastError: "exit code 3",
    });
  });

  it("PROCESSING items a dead controller left behind: after the grace period, 'job lost' — retried, or FAIL when spent", async () => {
    const { clock, queue, worker, workQueue, logger } = setup();
    await queue.putJobs([
      { id: "orphan-retry", body: {}, maxAttempts: 2 },
      { id: "orphan-final", body: {}, maxAttempts: 1 },
    ]);
    await queue.get(2); // the previous controller took them, and died
    expect(await workQueue.updateJobStatus()).toMatchObject({ lost: [], retried: [] });
    clock.advance(GRACE_MS - 1);
    expect(await workQueue.updateJobStatus()).toMatchObject({ lost: [] });
    clock.advance(1);
    const result = await workQueue.updateJobStatus();
    expect(result.lost.sort()).toEqual(["orphan-final", "orphan-retry"]);
    expect(result.retried).toEqual(["orphan-retry"]);
    expect(await queue.lookupRecord("orphan-retry")).toMatchObject({
      stage: "WAITING",
      attempts: 1,
      lastError: JOB_LOST_REASON,
    });
    expect(await queue.lookupRecord("orphan-final")).toMatchObject({
      stage: "FAIL",
      lastError: JOB_LOST_REASON,
    });
    expect(worker.jobs.size).toBe(0);
    const warnings = logger.records.filter((r) => r.level === "warn").map((r) => r.msg);
    expect(warnings.sort()).toEqual([
      "worker does not know this PROCESSING item; failed attempt, the item waits for another",
      "worker does not know this PROCESSING item; moved to FAIL",
    ]);
  });

  it("a completion of an attempt that is no longer current changes nothing (fencing)", async () => {
    const { queue, worker, workQueue } = setup();
    await queue.putJobs([{ id: "raced", body: {}, maxAttempts: 3 }]);
    await workQueue.pushNextJobs(1); // attempt 1, sent to this controller's worker
    // Meanwhile the attempt failed elsewhere (e.g. a new leader declared it lost) and attempt 2 was handed out.
    await queue.fail("raced", { attempt: 1, reason: JOB_LOST_REASON });
    expect((await queue.getJobs(1))[0]).toMatchObject({ itemId: "raced", attempt: 2 });
    worker.markSuccess("raced"); // the stale attempt 1 finishes late
    const result = await workQueue.updateJobStatus();
    expect(result.succeeded).toEqual([]);
    expect(await queue.lookupRecord("raced")).toMatchObject({ stage: "PROCESSING", attempts: 2 });
    expect(worker.jobs.size).toBe(0); // the stale job is forgotten all the same
  });

  it("an item no attempt could run is not retried: FAIL with the strategy's reason", async () => {
    const clock = new ManualClock();
    const queue = new InMemoryQueue({ lifecycle: { maxAttempts: 3 }, now: () => clock.now() });
    const worker = new DummyWorker();
    const controller = new Controller({
      workQueue: new WorkQueue(queue, worker, { clock }),
      strategy: new ResourceLimit({ gpu: 2 }),
    });
    await queue.put({ huge: { resources: { gpu: 8 } } });
    expect(await controller.tick()).toMatchObject({ rejected: 1 });
    expect(await queue.lookupRecord("huge")).toMatchObject({ stage: "FAIL", attempts: 1 });
    expect((await queue.lookupRecord("huge")).lastError).toMatch(/gpu=8/);
  });
});
