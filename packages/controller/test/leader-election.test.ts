import { InMemoryLeaderElection, InMemoryQueue, QueueItemStage } from "@task-queue/queue-core";
import { DummyWorker, recordingLogger } from "@task-queue/queue-core/testing";
import { describe, expect, it } from "vitest";
import { Controller } from "../src/controller.js";
import { ServiceLoop } from "../src/service-loop.js";
import { ProcessingLimit } from "../src/strategies/processing-limit.js";
import { WorkQueue } from "../src/work-queue.js";

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A controller with its own worker and loop on a shared queue, electing through the queue itself. */
function controllerOn(queue: InMemoryQueue) {
  const worker = new DummyWorker();
  const logger = recordingLogger();
  const controller = new Controller({
    workQueue: new WorkQueue(queue, worker, { logger }),
    strategy: new ProcessingLimit(2),
    logger,
  });
  const election = new InMemoryLeaderElection(queue);
  const loop = new ServiceLoop({ periodMs: 5, tick: (o) => controller.tick(o), election, logger });
  const messages = (level: string) => logger.records.filter((r) => r.level === level).map((r) => r.msg);
  return { worker, logger, election, loop, messages, running: null as Promise<void> | null };
}

describe("ServiceLoop with a leader election", () => {
  it("only the leader ticks; the standby says once that it waits, and takes over when the leader stops", async () => {
    const queue = new InMemoryQueue();
    await queue.put({ a: 1, b: 2, c: 3, d: 4 });
    const first = controllerOn(queue);
    const second = controllerOn(queue);
    const firstRun = first.loop.run();
    await until(() => first.loop.ticks >= 2);
    const secondRun = second.loop.run();
    await until(() => first.loop.ticks >= 12);
    expect(second.loop.ticks).toBe(0);
    expect([first.loop.leading, second.loop.leading]).toEqual([true, false]);
    expect(second.worker.jobs.size).toBe(0);
    expect(first.worker.jobs.size).toBe(2);
    expect(second.messages("info").filter((m) => m?.startsWith("standby"))).toHaveLength(1);
    expect(second.messages("info")).not.toContain("tick");

    await first.loop.stop();
    await firstRun;
    expect(first.election.isLeader()).toBe(false);
    await until(() => second.loop.ticks >= 1);
    expect(second.messages("info")).toContain("leading: this controller is the active one for the queue");
    // The new leader does not know the old leader's jobs; it releases nothing over the limit.
    expect(await queue.size(QueueItemStage.PROCESSING)).toBe(2);
    expect(second.worker.jobs.size).toBe(0);
    await second.loop.stop();
    await secondRun;
  });

  it("a leader that lost the election logs it once, releases nothing, and leads again when it can", async () => {
    const queue = new InMemoryQueue();
    const first = controllerOn(queue);
    const second = controllerOn(queue);
    const firstRun = first.loop.run();
    await until(() => first.loop.ticks >= 1);
    // The lock passes to the other contender behind the first loop's back (as a closed connection would).
    await first.election.release();
    expect(await second.election.acquire()).toBe(true);
    const ticksBefore = first.loop.ticks;
    await queue.put({ x: 1 });
    await until(() => first.messages("warn").length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(first.messages("warn")).toEqual([
      "lost leadership: releasing and reconciling nothing until this controller leads again",
    ]);
    expect(first.loop.ticks).toBe(ticksBefore);
    expect(await queue.size(QueueItemStage.WAITING)).toBe(1);

    await second.election.release();
    await until(() => first.loop.ticks > ticksBefore);
    expect(await queue.size(QueueItemStage.WAITING)).toBe(0);
    await first.loop.stop();
    await firstRun;
  });

  it("a tick that finds leadership gone after its status updates releases nothing", async () => {
    const queue = new InMemoryQueue();
    await queue.put({ a: 1 });
    const { worker } = controllerOn(queue);
    const controller = new Controller({
      workQueue: new WorkQueue(queue, worker),
      strategy: new ProcessingLimit(2),
    });
    const report = await controller.tick({ release: true, stillLeading: () => false });
    expect(report.released).toBe(0);
    expect(await queue.size(QueueItemStage.WAITING)).toBe(1);
  });

  it("--once as a standby runs no tick; as the only contender it runs one and lets go", async () => {
    const queue = new InMemoryQueue();
    await queue.put({ a: 1 });
    const holder = new InMemoryLeaderElection(queue);
    expect(await holder.acquire()).toBe(true);
    const standby = controllerOn(queue);
    await standby.loop.runOnce();
    expect(standby.loop.ticks).toBe(0);
    expect(standby.worker.jobs.size).toBe(0);
    await holder.release();
    await standby.loop.runOnce();
    expect(standby.loop.ticks).toBe(1);
    expect(standby.worker.jobs.size).toBe(1);
    expect(standby.election.isLeader()).toBe(false);
  });
});
