// What the common operations cost in requests on a store that enforces conditional writes and deletes (moto_server,
// as AWS S3): put 2 per new item (id marker + WAITING, both If-None-Match), success and fail 3 (HEAD of PROCESSING,
// COPY, DELETE with If-Match). And what the id markers must never do: skip a new id, or add an id some stage holds.
import { randomUUID } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { QueueItemStage } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeId, S3Queue } from "../src/index.js";
import * as motoServer from "./support/moto-server.js";

const BUCKET = "queue-s3-requests";
const availability = await motoServer.motoAvailability();
const title = availability.available
  ? "request counts and id markers on moto_server"
  : `request counts and id markers on moto_server [skipped: ${availability.reason}]`;

/** A moto client counting the HTTP requests it sends, by command. */
function countingClient(endpoint: string): { client: S3Client; take(): Record<string, number> } {
  const client = motoServer.motoClient(endpoint);
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? "?").replace(/Command$/, "");
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: "deserialize", name: "countRequests" },
  );
  return {
    client,
    take() {
      const out = { ...counts };
      for (const name of Object.keys(counts)) delete counts[name];
      return out;
    },
  };
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

describe.skipIf(!availability.available)(title, () => {
  let moto: motoServer.RunningMoto;
  let raw: S3Client;
  const opened: Array<{ queue: S3Queue; client: S3Client }> = [];
  const open = (prefix: string) => {
    const counting = countingClient(moto.endpoint);
    const queue = new S3Queue({ ...motoServer.motoConnection(moto, prefix), client: counting.client });
    opened.push({ queue, client: counting.client });
    return { queue, take: counting.take };
  };

  beforeAll(async () => {
    moto = await motoServer.startMotoServer(BUCKET);
    raw = motoServer.motoClient(moto.endpoint);
  });
  afterAll(async () => {
    for (const { queue, client } of opened) {
      await queue.close();
      client.destroy();
    }
    raw?.destroy();
    await moto?.stop();
  });

  it("a get whose claim of one item fails hands out the items it did claim, and strands none", async () => {
    const prefix = `partial-${randomUUID()}`;
    const client = motoServer.motoClient(moto.endpoint);
    // The store fails the PROCESSING write of one item, as moto does with a 500 under load.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const key = String((args.input as { Key?: unknown }).Key ?? "");
        const write = context.commandName === "PutObjectCommand";
        if (write && key.includes("/PROCESSING/") && key.includes(encodeId("unlucky"))) {
          throw Object.assign(new Error("We encountered an internal error"), { name: "InternalError" });
        }
        return next(args);
      },
      { step: "initialize", name: "failOneClaim" },
    );
    const queue = new S3Queue({ ...motoServer.motoConnection(moto, prefix), client });
    opened.push({ queue, client });
    await queue.put({ a: 1, unlucky: 2, z: 3 });
    const got = (await queue.get(3)).map(([id]) => id).sort();
    expect(got).toEqual(["a", "z"]);
    // Nothing claimed is left unseen: PROCESSING holds exactly what was handed out, the failed one still waits.
    expect(await queue.sizes()).toEqual({ WAITING: 1, PROCESSING: 2, SUCCESS: 0, FAIL: 0 });
    expect(await queue.lookupStatus("unlucky")).toBe(QueueItemStage.WAITING);
    // With nothing claimable but the failing item, the error is the caller's.
    await expect(queue.get(1)).rejects.toMatchObject({ code: "QUEUE_UNAVAILABLE" });
  });

  it("put costs 2 requests per new item, success and fail 3 each", async () => {
    const { queue, take } = open(`requests-${randomUUID()}`);
    await queue.description(); // the probe
    await queue.put({ warm: 0 }); // marks the empty queue's markers complete (a HEAD, 4 LISTs, a PUT)
    take();
    const ids = Array.from({ length: 20 }, (_, i) => `job-${i}`);
    expect((await queue.put(Object.fromEntries(ids.map((id) => [id, { id }])))).added).toEqual(ids);
    expect(take()).toEqual({ PutObject: 40 });

    await queue.get(21);
    take();
    expect((await queue.successMany(ids.slice(0, 10))).moved).toHaveLength(10);
    expect(take()).toEqual({ HeadObject: 10, CopyObject: 10, DeleteObject: 10 });
    expect((await queue.failMany(ids.slice(10))).moved).toHaveLength(10);
    const failCounts = take();
    expect(total(failCounts)).toBe(30);
    expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 1, SUCCESS: 10, FAIL: 10 });
  });

  it("an id held by any stage is skipped; a deleted one, or one whose put stopped after its marker, is added", async () => {
    const prefix = `markers-${randomUUID()}`;
    const { queue } = open(prefix);
    await queue.put({ a: 1, b: 2, c: 3 });
    await queue.get(2); // a, b PROCESSING
    await queue.success("a");
    expect(await queue.put({ a: 9, b: 9, c: 9 })).toEqual({ added: [], skipped: ["a", "b", "c"] });
    expect(await queue.delete(["a"])).toEqual({ deleted: ["a"], skipped: [] });
    expect(await queue.put({ a: 10 })).toEqual({ added: ["a"], skipped: [] });
    expect((await queue.lookupItem("a")).itemBody).toBe(10);
    // A put that stopped between its two writes left a marker and no item: the id is still new.
    await raw.send(
      new PutObjectCommand({ Bucket: moto.bucket, Key: `${prefix}/.tq-ids/${encodeId("d")}`, Body: "{}" }),
    );
    expect(await queue.put({ d: 4 })).toEqual({ added: ["d"], skipped: [] });
    expect(await queue.lookupStatus("d")).toBe(QueueItemStage.WAITING);
  });

  it("a queue that held items before markers keeps looking in every stage, and writes none", async () => {
    const prefix = `legacy-${randomUUID()}`;
    // An item of the layout we replace, already done: no marker, no metadata.
    await raw.send(
      new PutObjectCommand({ Bucket: moto.bucket, Key: `${prefix}/SUCCESS/${encodeId("old")}`, Body: "1" }),
    );
    const { queue, take } = open(prefix);
    await queue.description();
    take();
    expect(await queue.put({ old: 2, fresh: 3 })).toEqual({ added: ["fresh"], skipped: ["old"] });
    // The flag (1 HEAD) and one LIST per stage, once per handle; then 3 HEAD + the conditional PUT per item.
    expect(take()).toEqual({ HeadObject: 7, ListObjectsV2: 4, PutObject: 1 });
    expect(await queue.put({ other: 4 })).toEqual({ added: ["other"], skipped: [] });
    expect(take()).toEqual({ HeadObject: 4, PutObject: 1 });
    expect(await queue.lookupStatus("old")).toBe(QueueItemStage.SUCCESS);
  });
});
