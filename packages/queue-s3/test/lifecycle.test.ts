// What S3Queue does with the lifecycle beyond the shared conformance cases: options it cannot honour are refused and
// change nothing, objects written before the lifecycle read as items with default fields, and last_error / result
// live in an envelope that every reader unwraps.
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { InvalidArgument, LEASE_EXPIRED_REASON } from "@task-queue/queue-core";
import { afterAll, describe, expect, it } from "vitest";
import { S3Queue } from "../src/index.js";
import { connection, freshPrefix, itemKeys, rawClient, removePrefix, target } from "./support/queues.js";

const raw = rawClient();
const prefixes: string[] = [];

function queueAt(label: string, maxAttempts?: number): { queue: S3Queue; prefix: string } {
  const prefix = freshPrefix(label);
  prefixes.push(prefix);
  const options = {
    ...connection(prefix),
    ...(maxAttempts === undefined ? {} : { lifecycle: { maxAttempts } }),
  };
  return { queue: new S3Queue(options), prefix };
}

afterAll(async () => {
  try {
    for (const prefix of prefixes) await removePrefix(raw, prefix);
  } finally {
    raw.destroy();
  }
});

describe("S3Queue lifecycle", () => {
  it("refuses a priority, a delay, a future run_after or a notify URL, naming the option, and writes nothing of the batch", async () => {
    const { queue, prefix } = queueAt("unsupported");
    try {
      const refusals: Array<[Parameters<S3Queue["putJobs"]>[0][number], string]> = [
        [{ id: "p", body: 1, priority: 3 }, "priority"],
        [{ id: "d", body: 1, delaySeconds: 5 }, "delaySeconds"],
        [{ id: "r", body: 1, runAfter: new Date(Date.now() + 60_000) }, "runAfter"],
        [{ id: "n", body: 1, notifyUrl: "http://127.0.0.1:9/done" }, "notifyUrl"],
      ];
      for (const [job, option] of refusals) {
        const attempt = queue.putJobs([{ id: "fine", body: 0 }, job]);
        await expect(attempt).rejects.toBeInstanceOf(InvalidArgument);
        await expect(attempt).rejects.toMatchObject({ argument: option });
        await expect(attempt).rejects.toThrow(new RegExp(`"${job.id}"`));
      }
      expect(await itemKeys(raw, `${prefix}/`)).toEqual([]);
      // What S3Queue can honour is accepted: no delay, a past run_after, priority 0.
      const put = await queue.putJobs([
        { id: "a", body: 1, delaySeconds: 0, priority: 0 },
        { id: "b", body: 2, runAfter: new Date(Date.now() - 1000) },
      ]);
      expect(put.added).toEqual(["a", "b"]);
      await queue.getJobs(1);
      await expect(queue.fail("a", { retryDelaySeconds: 2 })).rejects.toMatchObject({
        argument: "retryDelaySeconds",
      });
      expect((await queue.lookupRecord("a")).stage).toBe("PROCESSING");
      const description = await queue.description();
      expect(description.arguments.lifecycle).toMatchObject({ priority: false, delay: false, fencing: true });
    } finally {
      await queue.close();
    }
  });

  it("reads a plain object from before the lifecycle as an item with default fields, and keeps its body readable", async () => {
    const { queue, prefix } = queueAt("legacy", 2);
    try {
      await raw.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: `${prefix}/WAITING/old.json`,
          Body: '{"n": 1.5}',
        }),
      );
      const before = await queue.lookupRecord("old");
      expect(before).toMatchObject({ stage: "WAITING", body: { n: 1.5 }, attempts: 0, maxAttempts: 2 });
      expect(before).toMatchObject({ lastError: null, result: null, leaseExpiresAt: null, priority: 0 });
      expect(before.createdAt.getTime()).toBeGreaterThan(0);
      const [job] = await queue.getJobs(1, { leaseSeconds: 0.2 });
      expect(job).toMatchObject({ itemId: "old", body: { n: 1.5 }, attempt: 1 });
      // The lease expires; the next short get rescues it (attempts left: back to WAITING with the reason).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [again] = await queue.getJobs(1, { waitSeconds: 30 });
      expect(again).toMatchObject({ itemId: "old", body: { n: 1.5 }, attempt: 2 });
      // The envelope is on the object; readers see the body.
      const stored = await raw.send(
        new GetObjectCommand({ Bucket: target.bucket, Key: `${prefix}/PROCESSING/old.json` }),
      );
      expect(JSON.parse(await stored.Body!.transformToString())).toEqual({
        body: { n: 1.5 },
        last_error: LEASE_EXPIRED_REASON,
        result: null,
      });
      expect(await queue.lookupItem("old")).toMatchObject({ itemBody: { n: 1.5 } });
      await queue.success("old", { attempt: 2, result: { rows: 3 } });
      const done = await queue.lookupRecord("old");
      expect(done).toMatchObject({ stage: "SUCCESS", body: { n: 1.5 }, result: { rows: 3 }, attempts: 2 });
      expect(done.lastError).toBe(LEASE_EXPIRED_REASON);
      expect(await itemKeys(raw, `${prefix}/`)).toEqual([`${prefix}/SUCCESS/old.json`]);
    } finally {
      await queue.close();
    }
  });
});
