import assert from "node:assert/strict";
import { InvalidArgument } from "../errors.js";
import { hasStats } from "../stats.js";
import type { ConformanceCase } from "./cases.js";

/** stats(), specified once for every backend that declares it. */
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
      assert.ok(Math.abs(stats.since.getTime() - (Date.now() - 600_000)) < 60_000, "since is 10 minutes ago");
      for (const sinceSeconds of [0, -5, Number.NaN]) {
        await assert.rejects(queue.stats({ sinceSeconds }), (error: unknown) => {
          assert.ok(error instanceof InvalidArgument || (error as Error).name === "InvalidArgument");
          return true;
        });
      }
    },
  },
];
