import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidArgument, ItemNotFound } from "../errors.js";
import { MAX_PURGE_RECORDS } from "../purge.js";
import type { Queue } from "../queue.js";
import type { ConformanceCase } from "./cases.js";

/** Retention (purge), specified once for every backend. */

async function finish(queue: Queue, ids: string[], how: "success" | "fail"): Promise<void> {
  await queue.putJobs(ids.map((id) => ({ id, body: { id } })));
  const jobs = await queue.getJobs(ids.length);
  assert.equal(jobs.length, ids.length);
  for (const id of ids) {
    if (how === "success") await queue.success(id, { result: { done: id } });
    else await queue.fail(id, { reason: `broken ${id}` });
  }
}

export const purgeCases: ConformanceCase[] = [
  {
    name: "purge: removes items of a stage older than the age, leaves newer ones and other stages",
    async run(queue) {
      await finish(queue, ["old-1", "old-2"], "success");
      await finish(queue, ["failed"], "fail");
      await sleep(2_500);
      await finish(queue, ["new"], "success");
      await queue.putJobs([{ id: "waiting", body: 1 }]);
      const result = await queue.purge({ stage: "SUCCESS", olderThanSeconds: 2 });
      assert.deepEqual(result, { purged: 2 });
      await assert.rejects(queue.lookupRecord("old-1"), ItemNotFound);
      await assert.rejects(queue.lookupRecord("old-2"), ItemNotFound);
      assert.equal((await queue.lookupRecord("new")).stage, "SUCCESS");
      assert.deepEqual(await queue.sizes(), { WAITING: 1, PROCESSING: 0, SUCCESS: 1, FAIL: 1 });
      // A purged id is free again.
      assert.deepEqual((await queue.put({ "old-1": 2 })).added, ["old-1"]);
      assert.deepEqual(await queue.purge({ stage: "FAIL", olderThanSeconds: 0 }), { purged: 1 });
      assert.deepEqual(await queue.sizes(), { WAITING: 2, PROCESSING: 0, SUCCESS: 1, FAIL: 0 });
    },
  },
  {
    name: "purge: limit takes the oldest first, and withRecords returns what was removed",
    async run(queue) {
      for (const id of ["s-1", "s-2", "s-3", "s-4", "s-5"]) {
        await finish(queue, [id], "success");
        await sleep(20);
      }
      const first = await queue.purge({ stage: "SUCCESS", olderThanSeconds: 0, limit: 2, withRecords: true });
      assert.equal(first.purged, 2);
      assert.deepEqual(
        first.records?.map((record) => record.itemId),
        ["s-1", "s-2"],
      );
      const record = first.records![0]!;
      assert.equal(record.stage, "SUCCESS");
      assert.deepEqual(record.body, { id: "s-1" });
      assert.deepEqual(record.result, { done: "s-1" });
      assert.equal(record.attempts, 1);
      assert.ok(record.createdAt instanceof Date && record.updatedAt instanceof Date);
      assert.equal(await queue.size(2), 3);
      assert.deepEqual(await queue.purge({ stage: 2, olderThanSeconds: 0 }), { purged: 3 });
      assert.deepEqual(await queue.purge({ stage: "SUCCESS", olderThanSeconds: 0 }), { purged: 0 });
    },
  },
  {
    name: "purge: never touches PROCESSING; bad options are rejected and change nothing",
    async run(queue) {
      await finish(queue, ["done"], "success");
      await queue.put({ a: 1, b: 2, c: 3 });
      await queue.get(1);
      const before = await queue.sizes();
      const bad: Array<Parameters<Queue["purge"]>[0]> = [
        { stage: "PROCESSING", olderThanSeconds: 0 },
        { stage: 1, olderThanSeconds: 0 },
        { stage: "DONE" as "SUCCESS", olderThanSeconds: 0 },
        { stage: "SUCCESS", olderThanSeconds: -1 },
        { stage: "SUCCESS", olderThanSeconds: Number.NaN },
        { stage: "SUCCESS", olderThanSeconds: 0, limit: 0 },
        { stage: "SUCCESS", olderThanSeconds: 0, limit: 1.5 },
        { stage: "SUCCESS", olderThanSeconds: 0, withRecords: true },
        { stage: "SUCCESS", olderThanSeconds: 0, withRecords: true, limit: MAX_PURGE_RECORDS + 1 },
      ];
      for (const options of bad) {
        await assert.rejects(queue.purge(options), (error: unknown) => {
          assert.ok(
            error instanceof InvalidArgument || (error as { name?: string }).name === "InvalidArgument",
            `${JSON.stringify(options)}: expected InvalidArgument, got ${String(error)}`,
          );
          return true;
        });
      }
      assert.deepEqual(await queue.sizes(), before);
      assert.deepEqual(await queue.purge({ stage: "WAITING", olderThanSeconds: 0 }), { purged: 2 });
      assert.deepEqual(await queue.sizes(), { WAITING: 0, PROCESSING: 1, SUCCESS: 1, FAIL: 0 });
    },
  },
];
