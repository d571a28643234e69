/**
 * Why a long drain slows down (not a test): `pnpm bench:dead-prefix` in packages/queue-sql. Puts BENCH_QUEUE_ITEMS
 * (default 400,000) items, drains half of them in get(100) + successMany(100) pairs, and every 50,000 items prints the
 * drain's rate and `EXPLAIN (ANALYZE, BUFFERS)` of get's row choice: each claim leaves a dead entry at the front of the
 * ready index (the UPDATE moved the row out of WAITING), and until VACUUM removes them every get walks past all of
 * them. The queue vacuums its table itself after every 100,000 claims (src/vacuum.ts), so the walk grows for 100,000
 * claims and then starts again. Ends with the table's dead tuples, whether autovacuum has run, and the same EXPLAIN
 * after a VACUUM.
 */
import postgres from "postgres";
import { openSqlQueue } from "../src/index.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

const ITEMS = Number(process.env.BENCH_QUEUE_ITEMS ?? 400_000);
const url = process.env.BENCH_DATABASE_URL ?? (await testDatabaseUrl());
const client = postgres(url, { max: 1, onnotice: () => {} });
const table = randomTableName("dead_prefix");
const queue = await openSqlQueue({ connection: url, tableName: table, queueName: "bench", poolSize: 4 });

async function explainChoice(label: string): Promise<void> {
  const plan = await client.unsafe(`EXPLAIN (ANALYZE, BUFFERS)
    SELECT ctid FROM "${table}" WHERE queue_name = 'bench' AND stage = 0 AND (run_after IS NULL OR run_after <= now())
    ORDER BY priority DESC, ordering LIMIT 100 FOR UPDATE SKIP LOCKED`);
  const lines = plan.map((row) => String(row["QUERY PLAN"]).trim());
  const index = lines.findIndex((line) => line.includes("ready_idx"));
  const buffers = lines.slice(index).find((line) => line.startsWith("Buffers:"));
  const time = lines.find((line) => line.startsWith("Execution Time"));
  console.log(`${label}: ready index scan ${buffers ?? "(no buffers line)"}; ${time}`);
}

try {
  for (let first = 0; first < ITEMS; first += 5_000) {
    const batch: Record<string, { i: number }> = {};
    for (let i = first; i < Math.min(ITEMS, first + 5_000); i++) batch[`i${i}`] = { i };
    await queue.put(batch);
  }
  await explainChoice("freshly put");
  let started = performance.now();
  for (let drained = 0; drained < ITEMS / 2; ) {
    const got = await queue.get(100);
    await queue.successMany(got.map(([id]) => id));
    drained += got.length;
    if (drained % 50_000 === 0) {
      const rate = 50_000 / ((performance.now() - started) / 1000);
      await explainChoice(
        `${drained.toLocaleString("en-US")} drained (${Math.round(rate).toLocaleString("en-US")} items/s)`,
      );
      started = performance.now();
    }
  }
  const [stats] = await client`
    SELECT n_dead_tup::int AS dead, last_autovacuum FROM pg_stat_user_tables WHERE relname = ${table}`;
  console.log(`dead tuples ${stats?.dead}, last autovacuum ${stats?.last_autovacuum ?? "never"}`);
  await client.unsafe(`VACUUM "${table}"`);
  await explainChoice("after VACUUM");
} finally {
  await queue.close();
  await dropQueueTable(url, table);
  await client.end({ timeout: 5 });
}
