import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { QueueItemStage } from "@task-queue/queue-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openSqlQueue, type SqlQueue } from "../src/index.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

const run = promisify(execFile);
const consumerScript = fileURLToPath(new URL("./fixtures/drain-consumer.mjs", import.meta.url));
const ITEMS = 20_000;
const PROCESSES = 4;

const tableName = randomTableName();
let url: string;
let queue: SqlQueue;

beforeAll(async () => {
  url = await testDatabaseUrl();
  queue = await openSqlQueue({ connection: url, tableName, queueName: "multi-process" });
});

afterAll(async () => {
  await dropQueueTable(queue.database, tableName);
  await queue.close();
});

it(`${PROCESSES} processes calling get at once drain ${ITEMS} items, none handed out twice`, async () => {
  const batch: Record<string, { n: number }> = {};
  for (let i = 0; i < ITEMS; i++) batch[`job-${i}`] = { n: i };
  expect((await queue.put(batch)).added.length).toBe(ITEMS);

  const outputs = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      run(process.execPath, [consumerScript, url, tableName, "multi-process"], {
        maxBuffer: 64 * 1024 * 1024,
      }),
    ),
  );
  const perProcess = outputs.map(({ stdout }) => JSON.parse(stdout) as string[]);
  const all = perProcess.flat();
  const counts = new Map<string, number>();
  for (const id of all) counts.set(id, (counts.get(id) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);

  expect(twice).toEqual([]);
  expect(counts.size).toBe(ITEMS);
  expect(all.length).toBe(ITEMS);
  // More than one process took part: the test exercised concurrency, not one process draining alone.
  expect(perProcess.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
  expect(await queue.size(QueueItemStage.SUCCESS)).toBe(ITEMS);
}, 180_000);
