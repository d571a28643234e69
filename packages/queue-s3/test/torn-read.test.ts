// s3rver's PUT is not atomic: it writes the object's bytes and their MD5, then its metadata, so a HEAD racing a PUT
// answers with the new ETag and no user metadata (claim count 0). That is how the leased-consumers race of the
// conformance suite lost items on s3rver: a lookup that read the newer copy torn judged it the stale one of two, and
// its delete, checking only the ETag, removed the item's current state (the other copy was then moved on, and the
// item was in no stage). This test tears one HEAD on purpose (an SDK middleware drops the metadata of its answer,
// as s3rver does in that window) and shows the newer copy stays; the next lookup repairs the pair correctly.
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { QueueItemStage } from "@task-queue/queue-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeId, S3Queue } from "../src/index.js";
import { connection, freshPrefix, itemKeys, rawClient, removePrefix, target } from "./support/queues.js";

let raw: S3Client;
beforeAll(() => {
  raw = rawClient();
});
afterAll(() => raw.destroy());

/** A client whose next HEAD of a key containing `part`, once armed, answers without user metadata. */
function tearingClient(): { client: S3Client; tearNextHead(part: string): void; torn(): number } {
  const client = new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    ...(target.credentials === null ? {} : { credentials: target.credentials }),
  });
  let armed: string | null = null;
  let torn = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key ?? "";
      const out = await next(args);
      if (armed !== null && context.commandName === "HeadObjectCommand" && key.includes(armed)) {
        armed = null;
        torn++;
        (out.output as { Metadata?: Record<string, string> }).Metadata = {};
      }
      return out;
    },
    { step: "initialize", name: "tearHead" },
  );
  return {
    client,
    tearNextHead: (part) => {
      armed = part;
    },
    torn: () => torn,
  };
}

it("a lookup that reads the newer of two copies torn (no metadata) does not delete it", async () => {
  const prefix = freshPrefix("torn");
  const tearing = tearingClient();
  const queue = new S3Queue({ ...connection(prefix), client: tearing.client });
  const key = (stage: string) => `${prefix}/${stage}/${encodeId("x")}`;
  try {
    await queue.putJobs([{ id: "x", body: { n: 1 }, maxAttempts: 3 }]);
    const original = await raw.send(new GetObjectCommand({ Bucket: target.bucket, Key: key("WAITING") }));
    const text = await original.Body!.transformToString();
    const [job] = await queue.getJobs(1, { leaseSeconds: 600 });
    expect(job?.attempt).toBe(1);
    // A get interrupted after its claim: the WAITING object it read is back beside the PROCESSING copy.
    await raw.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key("WAITING"),
        Body: text,
        ContentType: "application/json",
        Metadata: original.Metadata,
      }),
    );

    tearing.tearNextHead("/PROCESSING/");
    // Torn, the claim reads as count 0, and the interrupted claim looks like a retry whose WAITING copy won.
    expect(await queue.lookupStatus("x")).toBe(QueueItemStage.WAITING);
    expect(tearing.torn()).toBe(1);
    // But its delete re-read PROCESSING whole (claim count 1, not the 0 that made it lose) and left it.
    expect((await itemKeys(raw, `${prefix}/`)).sort()).toEqual([key("PROCESSING"), key("WAITING")]);

    // Read whole, the claim wins and the stale WAITING copy goes; the holder's attempt completes.
    expect(await queue.lookupStatus("x")).toBe(QueueItemStage.PROCESSING);
    expect(await itemKeys(raw, `${prefix}/`)).toEqual([key("PROCESSING")]);
    await queue.success("x", { attempt: 1 });
    expect(await itemKeys(raw, `${prefix}/`)).toEqual([key("SUCCESS")]);
  } finally {
    await queue.close();
    tearing.client.destroy();
    await removePrefix(raw, prefix);
  }
});
