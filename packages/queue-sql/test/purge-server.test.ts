import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DrizzleDatabase, queryRows } from "../src/database.js";
import { openSqlQueue } from "../src/index.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

const ITEMS = Number(process.env.PURGE_TEST_ITEMS ?? 200_000);

let url: string;
let admin: postgres.Sql;
let db: DrizzleDatabase;
const table = randomTableName();

beforeAll(async () => {
  url = await testDatabaseUrl();
  admin = postgres(url, { max: 1, onnotice: () => {} });
  db = drizzlePostgres(admin);
});

afterAll(async () => {
  await dropQueueTable(db, table);
  await admin.end({ timeout: 5 });
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

// Retention on a real server: a large purge goes in short batches while the queue keeps working. The figures are
// printed (the slowest get during the purge); nothing here is a timed assertion.
describe("purge on PostgreSQL", () => {
  it(`removes ${ITEMS} old SUCCESS items in batches while puts and gets go on`, async () => {
    // Separate pools, as in production: the purging process and the working ones do not share a connection.
    const purger = await openSqlQueue({ connection: url, tableName: table, queueName: "big" });
    const worker = await openSqlQueue({
      connection: url,
      tableName: table,
      queueName: "big",
      migrate: false,
    });
    try {
      await db.execute(
        sql.raw(`
          INSERT INTO "${table}" (queue_name, item_id, stage, body, attempts, result, created_at, updated_at)
          SELECT 'big', 'old-' || n, 2, jsonb_build_object('n', n), 1, '{"ok": true}',
            now() - interval '2 days', now() - interval '1 day' - n * interval '1 millisecond'
          FROM generate_series(1, ${ITEMS}) AS n`),
      );
      await db.execute(sql.raw(`ANALYZE "${table}"`));
      expect((await worker.sizes()).SUCCESS).toBe(ITEMS);

      let purging = true;
      let getMs: number[] = [];
      let worked = 0;
      const work = async (until: () => boolean) => {
        while (until()) {
          const id = `new-${worked++}`;
          await worker.put({ [id]: { id } });
          const started = performance.now();
          const got = await worker.get(1);
          getMs.push(performance.now() - started);
          expect(got.map(([gotId]) => gotId)).toEqual([id]);
          await worker.success(id);
        }
      };
      // The same work with no purge first, for comparison.
      const baselineEnd = performance.now() + 3_000;
      await work(() => performance.now() < baselineEnd);
      const baseline = [...getMs].sort((a, b) => a - b);
      getMs = [];
      const working = work(() => purging);
      const started = performance.now();
      const result = await purger.purge({ stage: "SUCCESS", olderThanSeconds: 3600 });
      const purgeSeconds = (performance.now() - started) / 1000;
      purging = false;
      await working;

      expect(result).toEqual({ purged: ITEMS });
      // Every item the workers finished meanwhile is new, so it stays.
      expect(await worker.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: worked, FAIL: 0 });
      const [dead] = await queryRows<{ n_dead_tup: number }>(
        db,
        sql.raw(`SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '${table}'`),
      );
      const sorted = [...getMs].sort((a, b) => a - b);
      console.log(
        `purge of ${ITEMS} SUCCESS items: ${purgeSeconds.toFixed(1)} s (${Math.round(ITEMS / purgeSeconds)} items/s) ` +
          `while ${getMs.length} put/get/success rounds ran; get p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(sorted, 99).toFixed(1)} ms, slowest ${sorted[sorted.length - 1]?.toFixed(1)} ms; ` +
          `dead tuples left for (auto)vacuum: ${dead?.n_dead_tup ?? "?"}. Without a purge: get p50 ` +
          `${percentile(baseline, 50).toFixed(1)} ms, p99 ${percentile(baseline, 99).toFixed(1)} ms, slowest ` +
          `${baseline[baseline.length - 1]?.toFixed(1)} ms (${baseline.length} rounds)`,
      );
      expect(getMs.length).toBeGreaterThan(0);
    } finally {
      await purger.close();
      await worker.close();
    }
  }, 600_000);
});
