// Pause and stats on S3 (issues 14 and 17), beyond the conformance cases: the flag is one object every queue handle
// (every controller, every server) reads, and stats count only what finished within the window.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeId, S3Queue, S3QueueNamespace } from "../src/index.js";
import { connection, freshPrefix, rawClient, removePrefixes, target } from "./support/queues.js";

const prefixes: string[] = [];
const raw = rawClient();
let prefix: string;
beforeAll(() => {
  prefix = freshPrefix("pause-stats");
  prefixes.push(prefix);
});
afterAll(async () => {
  raw.destroy();
  await removePrefixes(prefixes);
});

it("a pause set through one handle is seen by every other handle of the queue, and by no other queue", async () => {
  const a = new S3Queue(connection(prefix));
  const b = new S3Queue(connection(prefix));
  const namespace = new S3QueueNamespace({ ...connection(prefix), defaultQueueName: "default" });
  try {
    expect(await b.isPaused()).toBe(false);
    await a.setPaused(true);
    expect(await b.isPaused()).toBe(true);
    expect(await namespace.queue("default").isPaused()).toBe(true);
    expect(await namespace.queue("other").isPaused()).toBe(false);
    await namespace.queue("other").setPaused(true);
    await b.setPaused(false);
    expect(await a.isPaused()).toBe(false);
    expect(await namespace.queue("other").isPaused()).toBe(true);
    // The settings object is no queue and no item.
    expect(await namespace.listQueues()).toEqual(["other"]);
    expect(await a.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
    await expect(a.setPaused("yes" as unknown as boolean)).rejects.toMatchObject({ name: "InvalidArgument" });
  } finally {
    await Promise.all([a.close(), b.close(), namespace.close()]);
  }
});

it("stats count what finished within the window, by the items' own times", async () => {
  const queuePrefix = freshPrefix("stats");
  prefixes.push(queuePrefix);
  const queue = new S3Queue(connection(queuePrefix));
  try {
    // Finished two hours ago (its metadata says so; the store wrote it just now).
    const hour = 3_600_000;
    await raw.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: `${queuePrefix}/SUCCESS/${encodeId("old")}`,
        Body: "1",
        Metadata: {
          "tq-seq": "1",
          "tq-attempts": "1",
          "tq-created": String(Date.now() - 3 * hour),
          "tq-updated": String(Date.now() - 2 * hour),
        },
      }),
    );
    await queue.putJobs([
      { id: "a", body: 1 },
      { id: "b", body: 2, maxAttempts: 2 },
      { id: "c", body: 3 },
    ]);
    await queue.get(2);
    await queue.success("a", { result: { ok: true } });
    await queue.fail("b", { reason: "retried, not failed" }); // back to WAITING: not a failure of the window
    await queue.cancel("c", "not needed");
    const stats = await queue.stats();
    expect(stats.sizes).toEqual({ WAITING: 1, PROCESSING: 0, SUCCESS: 2, FAIL: 1 });
    expect(stats.done).toBe(1);
    expect(stats.failed).toBe(1);
    expect(stats.topFailures).toEqual([{ reason: "not needed", count: 1 }]);
    expect(stats.oldestWaitingSeconds).not.toBeNull();
    expect(stats.source).toBe("items");
    expect((await queue.stats({ sinceSeconds: 3 * 3600 })).done).toBe(2);
  } finally {
    await queue.close();
  }
});
