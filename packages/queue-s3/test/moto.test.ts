import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type ItemId, QueueItemStage } from "@task-queue/queue-core";
import { recordingLogger, runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Queue } from "../src/index.js";
import { S3_CAPABILITIES } from "./support/capabilities.js";
import {
  MOTO_CREDENTIALS,
  motoAvailability,
  motoClient,
  motoConnection,
  type RunningMoto,
  startMotoServer,
} from "./support/moto-server.js";

/**
 * S3Queue against moto_server, which (unlike the s3rver of the other test files) enforces If-None-Match: *, so
 * claims across processes go through the conditional-write path. This file starts its own moto_server and ignores
 * the s3rver target of the global setup. moto serves about 150 requests/s, hence the modest item counts.
 */

const run = promisify(execFile);
const consumerScript = fileURLToPath(new URL("./fixtures/drain-consumer.mjs", import.meta.url));
const BUCKET = "queue-s3-moto";
const HOOK_TIMEOUT = 120_000;
const IGNORES_WARNING = /ignores conditional writes/;

const availability = await motoAvailability();
const title = availability.available
  ? "S3Queue on moto_server (conditional writes enforced)"
  : `S3Queue on moto_server [skipped: ${availability.reason}]`;

/** The messages of the warnings a recording logger received. */
function warningsOf(logger: ReturnType<typeof recordingLogger>): string[] {
  return logger.records.filter((record) => record.level === "warn").map((record) => record.msg ?? "");
}

/** A client counting the store's refusals of claim writes: 412 on a conditional PUT under PROCESSING/. */
function countingClient(endpoint: string): { client: S3Client; conflicts: () => number } {
  const client = motoClient(endpoint);
  let conflicts = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const input = args.input as { Key?: string };
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412 && input.Key?.includes("/PROCESSING/")) conflicts++;
        throw error;
      }
    },
    { step: "initialize", name: "countClaimConflicts" },
  );
  return { client, conflicts: () => conflicts };
}

function items(prefix: string, count: number): Record<ItemId, { n: number }> {
  const out: Record<ItemId, { n: number }> = {};
  for (let i = 0; i < count; i++) out[`${prefix}-${String(i).padStart(4, "0")}`] = { n: i };
  return out;
}

function duplicates(ids: readonly ItemId[]): ItemId[] {
  const counts = new Map<ItemId, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}

describe.skipIf(!availability.available)(title, () => {
  let moto: RunningMoto;

  beforeAll(async () => {
    moto = await startMotoServer(BUCKET);
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    await moto?.stop();
  }, HOOK_TIMEOUT);

  const freshPrefix = (label: string): string => `moto-${label}-${randomUUID()}`;

  it("moto refuses a second If-None-Match: * PUT, and S3Queue's probe finds conditional writes enforced, without the warning", async () => {
    // The premise: the server itself answers 412 to a conditional PUT on an existing key.
    const client = motoClient(moto.endpoint);
    try {
      const key = `${freshPrefix("premise")}/x.json`;
      const put = () =>
        client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "{}", IfNoneMatch: "*" }));
      await put();
      await expect(put()).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    } finally {
      client.destroy();
    }

    const logger = recordingLogger();
    const queue = new S3Queue({ ...motoConnection(moto, freshPrefix("probe")), logger });
    try {
      const description = await queue.description();
      expect(description.implementation).toBe("JsonS3Queue");
      expect(description.arguments.conditional_writes).toBe(true);
      expect(description.arguments.consumers).toMatch(/many processes may call get at once/);
      // put and get go through the same (cached) probe; neither warns.
      await queue.put({ a: 1, b: 2 });
      expect((await queue.get(2)).map(([id]) => id).sort()).toEqual(["a", "b"]);
      expect(warningsOf(logger).filter((message) => IGNORES_WARNING.test(message))).toEqual([]);
      expect(warningsOf(logger)).toEqual([]);
    } finally {
      await queue.close();
    }
  });

  // Key order, not FIFO, as on any S3 store. Smaller batches than on s3rver: moto is several times slower.
  runQueueConformance(
    "S3Queue on moto_server",
    () => new S3Queue(motoConnection(moto, freshPrefix("conformance"))),
    S3_CAPABILITIES,
    { implementation: "JsonS3Queue", largeBatchSize: 500, concurrencyItems: 300, timeoutMs: 120_000 },
  );

  it("two S3Queue instances (separate backends, as two processes would have) calling get(5) at once hand out every item exactly once", async () => {
    const ITEMS = 300;
    const prefix = freshPrefix("two-instances");
    const seed = new S3Queue(motoConnection(moto, prefix));
    const consumers = [countingClient(moto.endpoint), countingClient(moto.endpoint)];
    const logger = recordingLogger();
    // Each queue owns its S3Backend, so its claim lock serialises only its own gets: nothing in-process stops the
    // two from claiming one item; only the store's If-None-Match can.
    const queues = consumers.map(
      ({ client }) => new S3Queue({ ...motoConnection(moto, prefix), client, logger }),
    );
    try {
      expect((await seed.put(items("two", ITEMS))).added).toHaveLength(ITEMS);
      const received = await Promise.all(
        queues.map(async (queue) => {
          const mine: ItemId[] = [];
          for (;;) {
            const got = await queue.get(5);
            if (got.length === 0) return mine;
            mine.push(...got.map(([id]) => id));
          }
        }),
      );
      const all = received.flat();
      expect(duplicates(all)).toEqual([]);
      expect(new Set(all).size).toBe(ITEMS);
      expect(all).toHaveLength(ITEMS);
      expect(received.every((ids) => ids.length > 0)).toBe(true);
      // The two really did race for the same items, and the store refused the loser's claim write.
      expect(consumers.reduce((sum, consumer) => sum + consumer.conflicts(), 0)).toBeGreaterThan(0);
      expect(await seed.sizes()).toEqual({ WAITING: 0, PROCESSING: ITEMS, SUCCESS: 0, FAIL: 0 });
      expect(warningsOf(logger).filter((message) => IGNORES_WARNING.test(message))).toEqual([]);
    } finally {
      await Promise.all([seed, ...queues].map((queue) => queue.close()));
      for (const { client } of consumers) client.destroy();
    }
  }, 240_000);

  it.each(["success", "fail"] as const)(
    "a claim from a stale read of WAITING loses when another consumer claimed the item and called %s meanwhile",
    async (action) => {
      const prefix = freshPrefix(`stale-${action}`);
      const first = new S3Queue(motoConnection(moto, prefix));
      // The second consumer's claim write is held until the first has claimed the item and moved it on: then
      // PROCESSING is empty again, so If-None-Match alone lets the stale claim through.
      const client = motoClient(moto.endpoint);
      let held!: () => void;
      const reached = new Promise<void>((resolve) => {
        held = resolve;
      });
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      client.middlewareStack.add(
        (next) => async (args) => {
          if ((args.input as { Key?: string }).Key?.includes("/PROCESSING/")) {
            held();
            await released;
          }
          return next(args);
        },
        { step: "initialize", name: "holdClaimWrite" },
      );
      const second = new S3Queue({ ...motoConnection(moto, prefix), client });
      try {
        await first.put({ x: { n: 1 } });
        const secondGot = second.get(1);
        await reached; // the second consumer has listed and read WAITING/x
        expect(await first.get(1)).toEqual([["x", { n: 1 }]]);
        await first[action]("x");
        release();
        expect(await secondGot).toEqual([]);
        // Before any read that would repair it: the stale claim left no PROCESSING copy behind.
        const stage = action === "success" ? "SUCCESS" : "FAIL";
        const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
        const items = (listed.Contents ?? [])
          .map((object) => object.Key)
          .filter((key) => !key?.startsWith(`${prefix}/.tq-ids/`)); // put's id markers
        expect(items).toEqual([`${prefix}/${stage}/x.json`]);
        expect(await first.lookupStatus("x")).toBe(QueueItemStage[stage]);
        const sizes = await first.sizes();
        expect(sizes).toEqual({
          WAITING: 0,
          PROCESSING: 0,
          SUCCESS: action === "success" ? 1 : 0,
          FAIL: action === "fail" ? 1 : 0,
        });
      } finally {
        release();
        await Promise.all([first.close(), second.close()]);
        client.destroy();
      }
    },
  );

  it("4 consumer processes (the built package) draining with get + successMany take every item exactly once", async () => {
    const ITEMS = 400;
    const PROCESSES = 4;
    const connection = motoConnection(moto, freshPrefix("processes"));
    const queue = new S3Queue(connection);
    try {
      expect((await queue.put(items("job", ITEMS))).added).toHaveLength(ITEMS);
      const outputs = await Promise.all(
        Array.from({ length: PROCESSES }, () =>
          run(
            process.execPath,
            [
              consumerScript,
              moto.endpoint,
              connection.basePath,
              MOTO_CREDENTIALS.accessKeyId,
              MOTO_CREDENTIALS.secretAccessKey,
            ],
            { maxBuffer: 16 * 1024 * 1024 },
          ),
        ),
      );
      const reports = outputs.map(
        ({ stdout }) =>
          JSON.parse(stdout) as {
            ids: ItemId[];
            conditionalWrites: boolean;
            conflicts: number;
            warnings: string[];
          },
      );
      const all = reports.flatMap((report) => report.ids);

      expect(duplicates(all)).toEqual([]);
      expect(new Set(all).size).toBe(ITEMS);
      expect(all).toHaveLength(ITEMS);
      // More than one process took part: the test exercised claims across processes, not one process draining alone.
      expect(reports.filter((report) => report.ids.length > 0).length).toBeGreaterThan(1);
      // Every process used the conditional path, and the store refused some claims: processes did collide.
      expect(reports.map((report) => report.conditionalWrites)).toEqual(Array(PROCESSES).fill(true));
      expect(reports.flatMap((report) => report.warnings).filter((m) => IGNORES_WARNING.test(m))).toEqual([]);
      expect(reports.reduce((sum, report) => sum + report.conflicts, 0)).toBeGreaterThan(0);
      expect(await queue.size(QueueItemStage.SUCCESS)).toBe(ITEMS);
      expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: ITEMS, FAIL: 0 });
    } finally {
      await queue.close();
    }
  }, 300_000);
});
