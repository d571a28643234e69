import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type QueueItemStage, stageName } from "@task-queue/queue-core";
import { S3QueueNamespace } from "@task-queue/queue-s3";
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from "@task-queue/queue-s3/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "./support/cli-process.js";

/**
 * Objects written exactly as the Python task-queue's JsonS3Queue wrote them (task_queue/queues/s3_queue.py: key
 * `<base>/<STAGE>/<id>.json` with the raw id, body `json.dump(body, f, indent=4)`, the id appended to
 * `<base>/index.txt`) are re-keyed by `task-queue migrate legacy-s3` and then read by our S3 queue with their ids,
 * bodies and stages.
 */
const BUCKET = "tq-legacy-s3";

const LEGACY: [stage: keyof typeof QueueItemStage, id: string, body: unknown][] = [
  ["WAITING", "plain", { file_name: "a.py", args: [] }],
  ["WAITING", "with space", { n: 1 }],
  ["WAITING", "dir/sub", { n: 2 }],
  ["WAITING", "50%", [5, 0]],
  ["PROCESSING", "a%20b", { literal: "a%20b" }],
  ["FAIL", "x y z", "failed body"],
  ["SUCCESS", "ok", { done: true }],
];

describe("task-queue migrate legacy-s3 (s3rver)", () => {
  let s3: RunningS3rver;
  let client: S3Client;

  /** Writes a queue as the original did under `base` (index.txt optional). */
  async function writeLegacy(base: string, items: typeof LEGACY, index: boolean): Promise<void> {
    for (const [stage, id, body] of items)
      await client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `${base}/${stage}/${id}.json`,
          Body: JSON.stringify(body, null, 4),
        }),
      );
    if (index)
      await client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `${base}/index.txt`,
          Body: `${items.map(([, id]) => id).join("\n")}\n`,
        }),
      );
  }

  async function keysUnder(base: string): Promise<string[]> {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${base}/` }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  }

  function migrate(base: string, ...args: string[]) {
    return runCli(["migrate", "legacy-s3", ...args], {
      S3_QUEUE_BASE_PATH: `s3://${BUCKET}/${base}`,
      FSSPEC_S3_ENDPOINT_URL: s3.endpoint, // the original's name for it
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    });
  }

  beforeAll(async () => {
    s3 = await startS3rver(BUCKET);
    client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: S3RVER_CREDENTIALS,
    });
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it("re-keys what index.txt lists, dry run first, then --apply, then nothing more", async () => {
    const base = "with-index/queue";
    await writeLegacy(base, LEGACY, true);
    const before = await keysUnder(base);

    const dry = await migrate(base);
    expect(dry.code).toBe(0);
    expect(parse(dry.stdout)).toEqual({
      applied: false,
      index: { found: true, ids: 7 },
      objects: { read: 7, ours: 2, rekeyed: 5, conflicts: [], ambiguous: [], invalid: [] },
    });
    expect(await keysUnder(base)).toEqual(before);

    const applied = await migrate(base, "--apply");
    expect(parse(applied.stdout)).toMatchObject({ applied: true, objects: { read: 7, ours: 2, rekeyed: 5 } });
    expect(await keysUnder(base)).toEqual(
      [
        `${base}/FAIL/x%20y%20z.json`,
        `${base}/PROCESSING/a%2520b.json`,
        `${base}/SUCCESS/ok.json`,
        `${base}/WAITING/50%25.json`,
        `${base}/WAITING/dir%2Fsub.json`,
        `${base}/WAITING/plain.json`,
        `${base}/WAITING/with%20space.json`,
        `${base}/index.txt`,
      ].sort(),
    );

    const again = await migrate(base, "--apply");
    expect(parse(again.stdout)).toMatchObject({ objects: { read: 7, ours: 7, rekeyed: 0 } });

    // Our queue reads every item with its id, body and stage.
    const namespace = new S3QueueNamespace({
      basePath: `s3://${BUCKET}/${base}`,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      const queue = namespace.queue("default");
      for (const [stage, id, body] of LEGACY) {
        const item = await queue.lookupItem(id);
        expect([stageName(item.status), item.itemBody]).toEqual([stage, body]);
      }
      expect(await queue.sizes()).toEqual({ WAITING: 4, PROCESSING: 1, SUCCESS: 1, FAIL: 1 });
    } finally {
      await namespace.close();
    }
  });

  it("without index.txt re-keys every key that is not ours, and reports the ambiguous ones", async () => {
    const base = "no-index";
    await writeLegacy(
      base,
      [
        ["WAITING", "p q", 1],
        ["WAITING", "a%20b", 2],
        ["FAIL", "plain", 3],
      ],
      false,
    );
    const run = await migrate(base, "--apply");
    expect(parse(run.stdout)).toEqual({
      applied: true,
      index: { found: false, ids: 0 },
      objects: {
        read: 3,
        ours: 2,
        rekeyed: 1,
        conflicts: [],
        ambiguous: [`${base}/WAITING/a%20b.json`],
        invalid: [],
      },
    });
    expect(await keysUnder(base)).toEqual(
      [`${base}/FAIL/plain.json`, `${base}/WAITING/a%20b.json`, `${base}/WAITING/p%20q.json`].sort(),
    );
  });
});
