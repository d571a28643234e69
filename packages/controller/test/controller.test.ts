import { InMemoryQueue } from "@task-queue/queue-core";
import { DummyWorker, recordingLogger } from "@task-queue/queue-core/testing";
import { describe, expect, it } from "vitest";
import { Controller } from "../src/controller.js";
import { ProcessingLimit } from "../src/strategies/processing-limit.js";
import { WorkQueue } from "../src/work-queue.js";
import { ManualClock } from "./helpers.js";

async function setup() {
  const queue = new InMemoryQueue();
  const worker = new DummyWorker();
  const logger = recordingLogger();
  await queue.put({ a: 1, b: 2, c: 3 });
  const workQueue = new WorkQueue(queue, worker, { logger });
  return {
    queue,
    worker,
    logger,
    controller: new Controller({ workQueue, strategy: new ProcessingLimit(2), logger }),
  };
}

describe("Controller.tick", () => {
  it("logs one line per tick with released, succeeded, failed and the sizes", async () => {
    const { worker, logger, controller } = await setup();
    await controller.tick();
    worker.markSuccess("a");
    worker.markFail("b");
    const report = await controller.tick();
    const ticks = logger.records.filter((l) => l.msg === "tick");
    expect(ticks).toHaveLength(2);
    expect(ticks[1]!.obj).toEqual({ ...report });
    expect(report).toMatchObject({
      succeeded: 1,
      failed: 1,
      released: 1,
      paused: false,
      sizes: { WAITING: 0, PROCESSING: 1, SUCCESS: 1, FAIL: 1 },
    });
  });

  it("while paused, still moves finished jobs but releases nothing", async () => {
    const { queue, worker, controller } = await setup();
    await controller.tick();
    worker.markSuccess("a");
    const report = await controller.tick({ release: false });
    expect(report).toMatchObject({ succeeded: 1, released: 0, paused: true });
    expect(await queue.sizes()).toMatchObject({ WAITING: 1, PROCESSING: 1, SUCCESS: 1 });
  });

  it("honours the pause flag stored with the queue, read afresh every tick", async () => {
    const { queue, worker, controller } = await setup();
    await queue.setPaused(true);
    expect(await controller.tick()).toMatchObject({ released: 0, paused: true });
    expect(worker.jobs.size).toBe(0);
    expect(await queue.sizes()).toMatchObject({ WAITING: 3, PROCESSING: 0 });
    await queue.setPaused(false);
    expect(await controller.tick()).toMatchObject({ released: 2, paused: false });
    expect(await queue.sizes()).toMatchObject({ WAITING: 1, PROCESSING: 2 });
  });

  it("records its status with the queue after each tick: identity, leader, paused", async () => {
    const queue = new InMemoryQueue();
    await queue.put({ a: 1 });
    const workQueue = new WorkQueue(queue, new DummyWorker());
    const status = { identity: "host/42", periodSeconds: 5 };
    const controller = new Controller({ workQueue, strategy: new ProcessingLimit(2), status });
    expect(await queue.controllerStatus()).toBeNull();
    await controller.tick();
    expect(await queue.controllerStatus()).toMatchObject({ ...status, leader: true, paused: false });
    await queue.setPaused(true);
    await controller.tick({ release: true, stillLeading: () => false });
    expect(await queue.controllerStatus()).toMatchObject({ leader: false, paused: true });
  });

  it("a status the queue cannot store is logged, and the tick still reports", async () => {
    const queue = new InMemoryQueue();
    const logger = recordingLogger();
    queue.recordControllerStatus = () => Promise.reject(new Error("storage down"));
    const workQueue = new WorkQueue(queue, new DummyWorker());
    const status = { identity: "host/42", periodSeconds: 5 };
    const controller = new Controller({ workQueue, strategy: new ProcessingLimit(2), status, logger });
    expect(await controller.tick()).toMatchObject({ paused: false });
    expect(logger.records.filter((line) => line.level === "warn").map((line) => line.msg)).toEqual([
      "could not record the controller status; trying again next tick",
    ]);
  });

  it("logs idle ticks at debug, one info heartbeat a minute, and a pause change at info", async () => {
    const queue = new InMemoryQueue();
    const logger = recordingLogger();
    const clock = new ManualClock();
    const workQueue = new WorkQueue(queue, new DummyWorker(), { logger });
    const controller = new Controller({ workQueue, strategy: new ProcessingLimit(2), logger, clock });
    const levels = async (release = true) => {
      logger.records.length = 0;
      await controller.tick({ release });
      return logger.records.filter((l) => l.msg === "tick").map((l) => [l.level, l.obj.heartbeat ?? false]);
    };
    expect(await levels()).toEqual([["info", true]]);
    clock.advance(30_000);
    expect(await levels()).toEqual([["debug", false]]);
    clock.advance(29_999);
    expect(await levels()).toEqual([["debug", false]]);
    clock.advance(1);
    expect(await levels()).toEqual([["info", true]]);
    expect(await levels(false)).toEqual([["info", false]]);
    expect(await levels(false)).toEqual([["debug", false]]);
  });
});
