import { InMemoryQueue, InvalidArgument, type JsonValue, QueueItemStage } from "@task-queue/queue-core";
import { DummyWorker, recordingLogger } from "@task-queue/queue-core/testing";
import { describe, expect, it } from "vitest";
import { Controller } from "../src/controller.js";
import { ProcessingLimit } from "../src/strategies/processing-limit.js";
import { ReleaseAll } from "../src/strategies/release-all.js";
import { ResourceLimit } from "../src/strategies/resource-limit.js";
import type { ReleaseStrategy } from "../src/strategy.js";
import { WorkQueue } from "../src/work-queue.js";

async function controllerWith(strategy: ReleaseStrategy, bodies: Array<[string, JsonValue]>) {
  const queue = new InMemoryQueue();
  const worker = new DummyWorker();
  const logger = recordingLogger();
  for (const [id, body] of bodies) await queue.put({ [id]: body });
  const controller = new Controller({
    workQueue: new WorkQueue(queue, worker, { logger }),
    strategy,
    logger,
  });
  return { queue, worker, logger, controller };
}

const plain = (count: number): Array<[string, JsonValue]> =>
  Array.from({ length: count }, (_, i) => [`item-${i}`, { n: i }]);
const needs = (resources: JsonValue): JsonValue => ({ script: "x", resources });

describe("ReleaseAll", () => {
  it("releases every WAITING item in one tick", async () => {
    const { queue, worker, controller } = await controllerWith(new ReleaseAll(), plain(25));
    const report = await controller.tick();
    expect(report.released).toBe(25);
    expect(worker.jobs.size).toBe(25);
    expect(await queue.sizes()).toMatchObject({ WAITING: 0, PROCESSING: 25 });
  });
});

describe("ProcessingLimit", () => {
  it("keeps at most max items in PROCESSING and refills as jobs finish", async () => {
    const { queue, worker, controller } = await controllerWith(new ProcessingLimit(3), plain(5));
    expect((await controller.tick()).released).toBe(3);
    expect((await controller.tick()).released).toBe(0);
    worker.markSuccess("item-0");
    const report = await controller.tick();
    expect(report).toMatchObject({ succeeded: 1, released: 1 });
    expect(await queue.size(QueueItemStage.PROCESSING)).toBe(3);
  });

  it("counts items other consumers took", async () => {
    const { queue, controller } = await controllerWith(new ProcessingLimit(3), plain(5));
    await queue.get(2);
    expect((await controller.tick()).released).toBe(1);
  });

  it("rejects a limit that is not a positive integer", () => {
    expect(() => new ProcessingLimit(0)).toThrow(new InvalidArgument("max", "must be an integer ≥ 1, got 0"));
    expect(() => new ProcessingLimit(1.5)).toThrow(/^max: /);
  });
});

describe("ResourceLimit", () => {
  it("releases in order while every limited resource stays within its limit, over several keys", async () => {
    const strategy = new ResourceLimit({ gpu: 2, mem_gb: 32 });
    const { worker, controller } = await controllerWith(strategy, [
      ["a", needs({ gpu: 1, mem_gb: 16 })],
      ["b", needs({ gpu: 0, mem_gb: 16 })],
      ["c", needs({ gpu: 1, mem_gb: 1 })], // gpu would fit, memory would not
      ["d", needs({ gpu: 0, mem_gb: 0 })],
    ]);
    expect((await controller.tick()).released).toBe(2);
    expect([...worker.jobs.keys()]).toEqual(["a", "b"]);
    worker.markSuccess("b");
    expect((await controller.tick()).released).toBe(2);
    expect([...worker.jobs.keys()]).toEqual(["a", "c", "d"]);
  });

  it("ignores resources that are not limited and releases items without resources freely", async () => {
    const strategy = new ResourceLimit({ gpu: 1 });
    const { worker, controller } = await controllerWith(strategy, [
      ["a", needs({ gpu: 1, cpu: 64 })],
      ["b", { script: "no resources" }],
      ["c", "a plain string body"],
      ["d", needs({ cpu: 1000 })],
      ["e", needs({ gpu: 1 })],
    ]);
    expect((await controller.tick()).released).toBe(4);
    expect([...worker.jobs.keys()]).toEqual(["a", "b", "c", "d"]);
  });

  it("reads the resources under a custom key", async () => {
    const strategy = new ResourceLimit({ gpu: 1 }, "needs");
    const { worker, controller } = await controllerWith(strategy, [
      ["a", { needs: { gpu: 1 } }],
      ["b", { needs: { gpu: 1 } }],
    ]);
    expect((await controller.tick()).released).toBe(1);
    expect([...worker.jobs.keys()]).toEqual(["a"]);
  });

  it("reports an item too large to ever fit and moves it to FAIL instead of blocking the line", async () => {
    const strategy = new ResourceLimit({ gpu: 2 });
    const { queue, worker, logger, controller } = await controllerWith(strategy, [
      ["huge", needs({ gpu: 8 })],
      ["small", needs({ gpu: 1 })],
    ]);
    const report = await controller.tick();
    expect(report).toMatchObject({ released: 1, rejected: 1 });
    expect([...worker.jobs.keys()]).toEqual(["small"]);
    expect(await queue.lookupStatus("huge")).toBe(QueueItemStage.FAIL);
    const line = logger.records.find((l) => l.level === "error" && l.obj.item_id === "huge");
    expect(line?.obj.reason).toBe("needs gpu=8 (limit 2)");
  });

  it("rejects an item whose limited resource is not a number", async () => {
    const strategy = new ResourceLimit({ gpu: 2 });
    const { queue, controller } = await controllerWith(strategy, [["bad", needs({ gpu: "two" })]]);
    expect((await controller.tick()).rejected).toBe(1);
    expect(await queue.lookupStatus("bad")).toBe(QueueItemStage.FAIL);
  });

  it("counts what items taken by other consumers hold", async () => {
    const strategy = new ResourceLimit({ gpu: 2 });
    const { queue, controller } = await controllerWith(strategy, [
      ["a", needs({ gpu: 2 })],
      ["b", needs({ gpu: 1 })],
    ]);
    await queue.get(1);
    expect(await strategy.inUse(queue)).toEqual({ gpu: 2 });
    expect((await controller.tick()).released).toBe(0);
  });

  it("rejects limits that are not numbers ≥ 0", () => {
    expect(() => new ResourceLimit({ gpu: -1 })).toThrow(
      new InvalidArgument("limits.gpu", "must be a number ≥ 0, got -1"),
    );
  });
});
