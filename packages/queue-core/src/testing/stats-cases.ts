import assert from "node:assert/strict";
import { hasControllerStatus, isStale } from "../controller-status.js";
import { InvalidArgument } from "../errors.js";
import { hasStats } from "../stats.js";
import type { ConformanceCase } from "./cases.js";

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** stats() and the controller status, specified once for every backend that declares them. */
export const statsCases: ConformanceCase[] = [
  {
    name: "stats: counts, rates, durations, oldest waiting age and top failure reasons of a window",
    requires: "stats",
    async run(queue) {
      assert.ok(hasStats(queue), "the backend declares stats but has no stats()");
      const empty = await queue.stats();
      assert.equal(empty.done, 0);
      assert.equal(empty.durationSeconds.median, null);
      assert.equal(empty.oldestWaitingSeconds, null);
      assert.deepEqual(empty.topFailures, []);
      assert.equal(empty.sinceSeconds, 3600);
      assert.equal(empty.series.bucketSeconds, 60);
      assert.deepEqual(empty.series.done, new Array(60).fill(0));
      assert.deepEqual(empty.series.failed, new Array(60).fill(0));

      await queue.put({ a: 1, b: 2, c: 3, d: 4, e: 5 });
      await queue.get(4);
      await queue.success("a");
      await queue.fail("b", { reason: "disk full" });
      await queue.fail("c", { reason: "disk full" });
      await queue.fail("d", { reason: "timeout" });
      const stats = await queue.stats({ sinceSeconds: 600 });
      assert.deepEqual(stats.sizes, { WAITING: 1, PROCESSING: 0, SUCCESS: 1, FAIL: 3 });
      assert.equal(stats.done, 1);
      assert.equal(stats.failed, 3);
      assert.equal(stats.donePerMinute, 0.1);
      assert.equal(stats.failedPerMinute, 0.3);
      assert.ok(stats.durationSeconds.median !== null && stats.durationSeconds.median >= 0);
      assert.ok(stats.durationSeconds.p95! >= stats.durationSeconds.median!);
      assert.ok(stats.oldestWaitingSeconds !== null && stats.oldestWaitingSeconds >= 0);
      assert.deepEqual(stats.topFailures, [
        { reason: "disk full", count: 2 },
        { reason: "timeout", count: 1 },
      ]);
      // Per minute over the 10 minutes: everything finished just now, in the last bucket.
      assert.equal(stats.series.bucketSeconds, 60);
      assert.equal(stats.series.done.length, 10);
      assert.equal(stats.series.done[9], 1);
      assert.equal(stats.series.failed[9], 3);
      assert.equal(sum(stats.series.done) + sum(stats.series.failed), 4);
      const day = await queue.stats({ sinceSeconds: 86_400 });
      assert.equal(day.series.bucketSeconds, 1440, "a day in 60 buckets of 24 minutes");
      assert.equal(day.series.failed.length, 60);
      assert.equal(sum(day.series.failed), 3);
      assert.ok(Math.abs(stats.since.getTime() - (Date.now() - 600_000)) < 60_000, "since is 10 minutes ago");
      for (const sinceSeconds of [0, -5, Number.NaN]) {
        await assert.rejects(queue.stats({ sinceSeconds }), (error: unknown) => {
          assert.ok(error instanceof InvalidArgument || (error as Error).name === "InvalidArgument");
          return true;
        });
      }
    },
  },
  {
    name: "the controller status: null until recorded, then the last one recorded, with its age",
    requires: "controllerStatus",
    async run(queue) {
      assert.ok(hasControllerStatus(queue), "the backend declares controllerStatus but has no such methods");
      assert.equal(await queue.controllerStatus(), null);
      await queue.recordControllerStatus({
        identity: "host-a/1",
        leader: true,
        paused: false,
        periodSeconds: 5,
      });
      await queue.recordControllerStatus({
        identity: "host-b/2",
        leader: true,
        paused: true,
        periodSeconds: 2,
      });
      const status = await queue.controllerStatus();
      assert.ok(status !== null);
      assert.equal(status.identity, "host-b/2");
      assert.equal(status.leader, true);
      assert.equal(status.paused, true);
      assert.equal(status.periodSeconds, 2);
      assert.ok(status.ageSeconds >= 0 && status.ageSeconds < 60, `age ${status.ageSeconds}`);
      assert.ok(Math.abs(status.lastTickAt.getTime() - Date.now()) < 60_000);
      assert.equal(isStale(status), false);
      assert.equal(isStale({ ...status, ageSeconds: 3600 }), true);
      // The status is not the pause flag: recording one leaves the stored flag as it was.
      if (typeof queue.isPaused === "function") assert.equal(await queue.isPaused(), false);
      await assert.rejects(
        queue.recordControllerStatus({ identity: "", leader: true, paused: false, periodSeconds: 1 }),
        (error: unknown) => (error as Error).name === "InvalidArgument",
      );
      assert.equal(
        (await queue.controllerStatus())?.identity,
        "host-b/2",
        "a refused report changes nothing",
      );
    },
  },
];
