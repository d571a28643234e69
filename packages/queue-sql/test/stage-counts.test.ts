import { PGlite } from "@electric-sql/pglite";
import { QueueItemStage, type StageSizes, stageName } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/database.js";
import { openSqlQueue, type SqlQueue, SqlQueueNamespace } from "../src/index.js";
import { pgliteDatabase } from "../src/pglite.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

/** What sizes() must equal: every item counted, straight from the items table. */
async function countedSizes(queue: SqlQueue): Promise<StageSizes> {
  const rows = await queryRows<{ stage: number; count: string | number }>(
    queue.database,
    sql`SELECT stage, count(*) AS count FROM ${sql.raw(`"${queue.tableName}"`)}
        WHERE queue_name = ${queue.queueName} GROUP BY stage`,
  );
  const sizes: StageSizes = { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };
  for (const row of rows) sizes[stageName(row.stage as 0 | 1 | 2 | 3)] = Number(row.count);
  return sizes;
}

/**
 * 4 workers at once, each putting batches, taking items, and succeeding, failing (some retried), requeueing and
 * deleting part of them, with leases that expire and get rescued; then sizes() must equal COUNT(*) per stage.
 */
async function churn(queue: SqlQueue, worker: number): Promise<void> {
  for (let round = 0; round < 12; round++) {
    const batch = Array.from({ length: 40 }, (_, i) => ({
      id: `w${worker}-r${round}-${i}`,
      body: { i },
      maxAttempts: i % 3 === 0 ? 2 : 1,
    }));
    await queue.putJobs(batch);
    // Repeated ids are skipped, and must not count twice.
    await queue.put({ [`w${worker}-r${round}-0`]: "again" });
    const jobs = await queue.getJobs(25, round % 4 === 0 ? { leaseSeconds: 0.01 } : {});
    const [succeed, rest] = [jobs.slice(0, 10), jobs.slice(10)];
    await queue.successMany(succeed.map((job) => ({ id: job.itemId, attempt: job.attempt })));
    const failed = await queue.failMany(rest.slice(0, 8).map((job) => ({ id: job.itemId, reason: "no" })));
    const finalFails = failed.moved.filter((id) => !failed.retried.includes(id));
    await queue.requeue(finalFails.slice(0, 2));
    await queue.delete(finalFails.slice(2, 3));
    if (round % 5 === 4) await queue.rescueExpired();
  }
}

async function expectExactUnderConcurrency(queue: SqlQueue): Promise<void> {
  await Promise.all([0, 1, 2, 3].map((worker) => churn(queue, worker)));
  const sizes = await queue.sizes();
  expect(sizes).toEqual(await countedSizes(queue));
  expect(sizes.WAITING + sizes.PROCESSING + sizes.SUCCESS + sizes.FAIL).toBeGreaterThan(1_000);
  for (const stage of [
    QueueItemStage.WAITING,
    QueueItemStage.PROCESSING,
    QueueItemStage.SUCCESS,
    QueueItemStage.FAIL,
  ]) {
    expect(await queue.size(stage)).toBe(sizes[stageName(stage)]);
  }
  // Purge removes items: the counts follow.
  await queue.purge({ stage: "SUCCESS", olderThanSeconds: 0 });
  expect(await queue.sizes()).toEqual(await countedSizes(queue));
}

describe("sizes() from the counts table", () => {
  const tables: string[] = [];
  let namespace: SqlQueueNamespace | undefined;
  afterAll(async () => {
    if (namespace) {
      for (const table of tables) await dropQueueTable(namespace.queue("cleanup").database, table);
      await namespace.close();
    }
  });

  it("equals COUNT(*) per stage after concurrent puts, gets, successes, failures, requeues and deletes on PostgreSQL", async () => {
    const table = randomTableName();
    tables.push(table);
    namespace = await SqlQueueNamespace.open({
      connection: await testDatabaseUrl(),
      tableName: table,
      poolSize: 6,
    });
    await expectExactUnderConcurrency(namespace.queue("churn"));
    // Another queue of the same table is counted apart.
    expect(await namespace.queue("other").sizes()).toEqual({
      WAITING: 0,
      PROCESSING: 0,
      SUCCESS: 0,
      FAIL: 0,
    });
  });

  it("equals COUNT(*) per stage on PGlite", async () => {
    const pg = new PGlite();
    const queue = await openSqlQueue({ connection: pgliteDatabase(pg), queueName: "churn" });
    try {
      await expectExactUnderConcurrency(queue);
    } finally {
      await pg.close();
    }
  });

  it("counts the items a table held before the migration that added the counts", async () => {
    const pg = new PGlite();
    try {
      const queue = await openSqlQueue({ connection: pgliteDatabase(pg), queueName: "old" });
      await queue.put({ a: 1, b: 2, c: 3 });
      await queue.get(1);
      // As a table migrated before 0006: no counts table, no triggers, no journal entry.
      await pg.exec(`DROP TABLE task_queue_items_counts CASCADE;
        DROP FUNCTION task_queue_items_count_changes() CASCADE;
        DELETE FROM task_queue_items_migrations WHERE id = '0006_stage_counts';`);
      expect(await queue.migrate()).toEqual(["0006_stage_counts"]);
      expect(await queue.sizes()).toEqual({ WAITING: 2, PROCESSING: 1, SUCCESS: 0, FAIL: 0 });
    } finally {
      await pg.close();
    }
  });
});
