import { recordingLogger } from "@task-queue/queue-core/testing";
import { describe, expect, it } from "vitest";
import { ServiceLoop } from "../src/service-loop.js";

/** A promise with its resolve function, to let a test decide when a tick finishes. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("ServiceLoop", () => {
  it("never starts a tick before the previous one finished", async () => {
    let active = 0;
    let maxActive = 0;
    let count = 0;
    const loop: ServiceLoop = new ServiceLoop({
      periodMs: 0,
      tick: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 2));
        active--;
        if (++count === 5) void loop.stop();
      },
    });
    await loop.run();
    expect(count).toBe(5);
    expect(maxActive).toBe(1);
  });

  it("logs an error in one tick and runs the next", async () => {
    const logger = recordingLogger();
    let count = 0;
    const loop: ServiceLoop = new ServiceLoop({
      periodMs: 0,
      logger,
      tick: async () => {
        count++;
        if (count === 1) throw new Error("database restarting");
        void loop.stop();
      },
    });
    await loop.run();
    expect(count).toBe(2);
    expect(loop.errors).toBe(1);
    const line = logger.records.find((l) => l.level === "error");
    expect(line?.obj.err).toBeInstanceOf(Error);
    expect((line!.obj.err as Error).message).toBe("database restarting");
  });

  it("stop() during a tick lets that tick finish and starts no other", async () => {
    const inTick = gate();
    const finishTick = gate();
    let started = 0;
    let finished = 0;
    const loop = new ServiceLoop({
      periodMs: 60_000,
      tick: async () => {
        started++;
        inTick.open();
        await finishTick.promise;
        finished++;
      },
    });
    const running = loop.run();
    await inTick.promise;
    const stopped = loop.stop();
    finishTick.open();
    await stopped;
    await running;
    expect({ started, finished }).toEqual({ started: 1, finished: 1 });
  });

  it("stop() while waiting for the next period ends the loop without waiting for it", async () => {
    const firstTick = gate();
    const loop = new ServiceLoop({ periodMs: 3_600_000, tick: async () => firstTick.open() });
    const running = loop.run();
    await firstTick.promise;
    await loop.stop();
    await running;
    expect(loop.ticks).toBe(1);
  });

  it("pause() keeps ticking without releasing; resume() releases again", async () => {
    const seen: boolean[] = [];
    const loop: ServiceLoop = new ServiceLoop({
      periodMs: 0,
      tick: async ({ release }) => {
        seen.push(release);
        if (seen.length === 1) loop.pause();
        if (seen.length === 3) loop.resume();
        if (seen.length === 4) void loop.stop();
      },
    });
    await loop.run();
    expect(seen).toEqual([true, false, false, true]);
  });

  it("runOnce() runs a single tick and reports its error", async () => {
    let count = 0;
    const loop = new ServiceLoop({
      periodMs: 1000,
      tick: async () => {
        count++;
        if (count === 2) throw new Error("boom");
      },
    });
    await loop.runOnce();
    expect(count).toBe(1);
    await expect(loop.runOnce()).rejects.toThrow("boom");
  });
});

describe("ServiceLoop options", () => {
  it("refuses a negative periodMs with InvalidArgument naming periodMs", () => {
    expect(() => new ServiceLoop({ periodMs: -1, tick: async () => {} })).toThrow(
      expect.objectContaining({ name: "InvalidArgument", argument: "periodMs" }),
    );
  });
});
