// A move copies, then deletes. These tests stop a move after its copy (they make the copy themselves, behind the
// queue's back, the way the queue would) and show that the queue reports the item in one stage, and that the next
// operation that sees both copies deletes the stale one.
import { CopyObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { InvalidTransition, QueueItemStage, type StageName } from "@task-queue/queue-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeId, S3Queue } from "../src/index.js";
import { connection, freshPrefix, itemKeys, rawClient, removePrefix, target } from "./support/queues.js";

let client: S3Client;
let prefix: string;
let queue: S3Queue;

const keyOf = (stage: StageName, id: string): string => `${prefix}/${stage}/${encodeId(id)}`;

/** The first half of a move: the copy, without the delete. */
async function copyOnly(id: string, from: StageName, to: StageName): Promise<void> {
  await client.send(
    new CopyObjectCommand({
      Bucket: target.bucket,
      Key: keyOf(to, id),
      CopySource: `${target.bucket}/${keyOf(from, id)}`,
      MetadataDirective: "COPY",
    }),
  );
}

/** The first half of a get: the claim's PROCESSING copy (claim count one up), without deleting WAITING. */
async function claimOnly(id: string, body: unknown, seq: number): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: keyOf("PROCESSING", id),
      Body: JSON.stringify(body),
      Metadata: { "tq-seq": String(seq) },
    }),
  );
}

async function stagesHolding(id: string): Promise<string[]> {
  const suffix = `/${encodeId(id)}`;
  return (await itemKeys(client, `${prefix}/`))
    .filter((key) => key.endsWith(suffix))
    .map((key) => key.slice(prefix.length + 1, -suffix.length));
}

beforeAll(() => {
  client = rawClient();
});
afterAll(() => client.destroy());
beforeEach(async () => {
  prefix = freshPrefix("crash");
  queue = new S3Queue(connection(prefix));
  return async () => {
    await queue.close();
    await removePrefix(client, prefix);
  };
});

describe("a move interrupted between copy and delete", () => {
  it("get: the item counts in PROCESSING only, and sizes deletes the stale WAITING copy", async () => {
    await queue.put({ job: { n: 1 }, other: 2 });
    await claimOnly("job", { n: 1 }, 1);
    expect(await stagesHolding("job")).toEqual(["PROCESSING", "WAITING"]);

    expect(await queue.sizes()).toEqual({ WAITING: 1, PROCESSING: 1, SUCCESS: 0, FAIL: 0 });
    expect(await stagesHolding("job")).toEqual(["PROCESSING"]);
    expect(await queue.lookupItem("job")).toEqual({
      itemId: "job",
      status: QueueItemStage.PROCESSING,
      itemBody: { n: 1 },
    });
  });

  it("success: the item is in SUCCESS, a fail of it is refused, and the lookup deleted the stale copy", async () => {
    await queue.put({ job: 1 });
    await queue.get(1);
    await copyOnly("job", "PROCESSING", "SUCCESS");

    expect(await queue.lookupStatus("job")).toBe(QueueItemStage.SUCCESS);
    expect(await stagesHolding("job")).toEqual(["SUCCESS"]);
    await expect(queue.fail("job")).rejects.toBeInstanceOf(InvalidTransition);
    expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 1, FAIL: 0 });
  });

  it("fail: lookupState lists the item once, in FAIL, and a retried requeue finishes the job", async () => {
    await queue.put({ job: 1, bystander: 2 });
    await queue.get(2);
    await copyOnly("job", "PROCESSING", "FAIL");

    expect(await queue.lookupState(QueueItemStage.PROCESSING)).toEqual({
      ids: ["bystander"],
      nextCursor: null,
    });
    expect(await queue.lookupState(QueueItemStage.FAIL, { limit: 10 })).toEqual({
      ids: ["job"],
      nextCursor: null,
    });
    expect(await stagesHolding("job")).toEqual(["FAIL"]);
    expect(await queue.requeue("job")).toEqual({ requeued: ["job"], skipped: [] });
    expect(await stagesHolding("job")).toEqual(["WAITING"]);
  });

  it("requeue, then get: the claim count tells the new PROCESSING copy from the stale FAIL copy", async () => {
    await queue.put({ job: { n: 7 } });
    await queue.get(1);
    await queue.fail("job");
    await copyOnly("job", "FAIL", "WAITING");

    // Between FAIL and WAITING copies of one count, the requeue's destination wins: get hands the item out.
    expect(await queue.get(5)).toEqual([["job", { n: 7 }]]);
    expect(await stagesHolding("job")).toEqual(["FAIL", "PROCESSING"]);
    expect(await queue.lookupStatus("job")).toBe(QueueItemStage.PROCESSING);
    expect(await stagesHolding("job")).toEqual(["PROCESSING"]);
    await queue.success("job");
    expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 1, FAIL: 0 });
  });

  it("put does not add an item again while a stale copy of it is around", async () => {
    await queue.put({ job: 1 });
    await claimOnly("job", 1, 1);
    expect(await queue.put({ job: 2 })).toEqual({ added: [], skipped: ["job"] });
    expect((await queue.lookupItem("job")).itemBody).toBe(1);
  });
});
