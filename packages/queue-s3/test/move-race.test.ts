// Two queue objects (as two servers would have) moving the same items at once, against moto_server, which honours
// If-Match on DELETE. A move copies, then deletes its source: that delete must never remove a newer state that
// another queue object wrote at the same key after the copy (issue 19, "S3 loses items when moves overlap").
import { randomUUID } from "node:crypto";
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type ItemId, QueueItemStage, STAGE_NAMES, type StageName } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeId, S3Queue } from "../src/index.js";
import * as motoServer from "./support/moto-server.js";
import { random } from "./support/odd-ids.js";

const BUCKET = "queue-s3-race";
const availability = await motoServer.motoAvailability();
const title = availability.available
  ? "moves that overlap on moto_server"
  : `moves that overlap on moto_server [skipped: ${availability.reason}]`;

/** The stages holding an object of each id under the prefix, read behind the queue's back. */
async function stagesByItem(client: S3Client, prefix: string): Promise<Map<ItemId, StageName[]>> {
  const byItem = new Map<ItemId, StageName[]>();
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const object of out.Contents ?? []) {
      const [stage, ...rest] = object.Key!.slice(prefix.length + 1).split("/");
      if (!(STAGE_NAMES as readonly string[]).includes(stage!)) continue;
      const suffix = rest.join("/");
      byItem.set(suffix, [...(byItem.get(suffix) ?? []), stage as StageName]);
    }
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return byItem;
}

describe.skipIf(!availability.available)(title, () => {
  let moto: motoServer.RunningMoto;
  let raw: S3Client;

  beforeAll(async () => {
    moto = await motoServer.startMotoServer(BUCKET);
    raw = motoServer.motoClient(moto.endpoint);
  });

  afterAll(async () => {
    raw?.destroy();
    await moto?.stop();
  });

  it("a requeue whose delete of the FAIL copy is held does not remove the FAIL copy another queue object wrote since", async () => {
    const prefix = `race-held-${randomUUID()}`;
    // Holds the DeleteObject of the FAIL copy, once armed, until released.
    const held = motoServer.holdingClient(moto.endpoint, "DeleteObjectCommand", "/FAIL/");
    const a = new S3Queue({ ...motoServer.motoConnection(moto, prefix), client: held.client });
    const c = new S3Queue(motoServer.motoConnection(moto, prefix));
    try {
      await c.put({ x: { n: 1 } });
      expect(await c.get(1)).toEqual([["x", { n: 1 }]]);
      await c.fail("x");

      // A requeues: it copies FAIL → WAITING, and its DELETE of the FAIL copy is held here.
      const reached = held.arm();
      const requeued = a.requeue("x");
      await reached;
      // Meanwhile C takes the item from WAITING and fails it again: a new FAIL copy, one claim later.
      expect(await c.get(1)).toEqual([["x", { n: 1 }]]);
      await c.fail("x");
      held.release();
      expect(await requeued).toEqual({ requeued: ["x"], skipped: [] });

      // Behind the queue's back: the item is in FAIL, and only there.
      expect(await stagesByItem(raw, prefix)).toEqual(new Map([[`${encodeId("x")}`, ["FAIL"]]]));
      expect(await c.lookupStatus("x")).toBe(QueueItemStage.FAIL);
      expect(await a.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 1 });
    } finally {
      held.release();
      await Promise.all([a.close(), c.close()]);
      held.client.destroy();
    }
  });

  it("two queue objects requeueing, getting, failing and finishing 1,000 items at once lose none and count none twice", async () => {
    const ITEMS = 1000;
    const REQUEUE_STEPS = 3;
    const MAX_WORK_STEPS = 1000;
    const prefix = `race-random-${randomUUID()}`;
    const ids = Array.from({ length: ITEMS }, (_, i) => `item-${String(i).padStart(4, "0")}`);
    // Start with every item failed once (claim count 1), written directly: the race is in what follows.
    for (let i = 0; i < ITEMS; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map((id) =>
          raw.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `${prefix}/FAIL/${encodeId(id)}`,
              Body: JSON.stringify({ id }),
              ContentType: "application/json",
              Metadata: { "tq-seq": "1" },
            }),
          ),
        ),
      );
    }
    const queues = [
      new S3Queue(motoServer.motoConnection(moto, prefix)),
      new S3Queue(motoServer.motoConnection(moto, prefix)),
    ];
    const errors: string[] = [];
    const record = (error: unknown): void => {
      errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    };
    let requeued = 0;
    let finished = 0;
    try {
      // One queue object requeues failed items in large batches (their deletes queue behind their copies in its
      // request limiter) while the other takes items and fails or finishes them, as two servers on one queue would.
      const [requeuer, worker] = queues as [S3Queue, S3Queue];
      const next = random(19);
      let requeuing = true;
      await Promise.all([
        (async () => {
          try {
            for (let step = 0; step < REQUEUE_STEPS; step++) {
              const failed = (await requeuer.lookupState(QueueItemStage.FAIL, { limit: 1000 })).ids;
              const result = await requeuer.requeue(failed.filter(() => next() < 0.8));
              requeued += result.requeued.length;
            }
          } finally {
            requeuing = false;
          }
        })(),
        (async () => {
          // Until the requeues are over and WAITING is drained (at most MAX_WORK_STEPS gets).
          for (let step = 0; step < MAX_WORK_STEPS; step++) {
            const got = await worker.get(20);
            if (got.length === 0) {
              if (!requeuing) break;
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
            await Promise.all(
              got.map(([id]) =>
                (next() < 0.9 ? worker.fail(id) : worker.success(id)).then(() => {
                  finished++;
                }, record),
              ),
            );
          }
        })(),
      ]);

      // The run did overlap: items were requeued, and taken and finished meanwhile.
      expect(requeued).toBeGreaterThan(ITEMS / 2);
      expect(finished).toBeGreaterThan(0);
      expect(errors).toEqual([]);

      // No item is missing from every stage (read behind the queue's back, before any repair).
      const stored = await stagesByItem(raw, prefix);
      const missing = ids.filter((id) => !stored.has(encodeId(id)));
      expect(missing).toEqual([]);

      // No item is counted twice: the stage listings are disjoint and cover every item once.
      const listed = await Promise.all(
        STAGE_NAMES.map(async (stage) => (await queues[0]!.lookupState(QueueItemStage[stage])).ids),
      );
      const all = listed.flat();
      expect(all.length).toBe(ITEMS);
      expect(new Set(all).size).toBe(ITEMS);
      const sizes = await queues[1]!.sizes();
      expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBe(ITEMS);
    } finally {
      await Promise.all(queues.map((queue) => queue.close()));
    }
  }, 600_000);
});
