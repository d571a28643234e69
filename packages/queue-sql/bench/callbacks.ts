/**
 * Benchmark (not a test): `pnpm --filter @task-queue/queue-sql bench:callbacks`. What recording completion
 * callbacks costs the completing statement, on the local PostgreSQL (BENCH_DATABASE_URL, else the tests'
 * database): 20,000 items drained by 4 consumers doing get(100) + successMany, items put without a notify URL (the
 * baseline: the outbox CTE runs and inserts nothing) and with one (an outbox row per item), in A-B-B-A order in one
 * run. Prints items/s and the ratio.
 */
import { openSqlQueue, type SqlQueue } from "../src/index.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

const ITEMS = 20_000;
const CONSUMERS = 4;
const GET_N = 100;
const url = process.env.BENCH_DATABASE_URL ?? (await testDatabaseUrl());

async function drain(queue: SqlQueue, withUrl: boolean, round: number): Promise<number> {
  const jobs = Array.from({ length: ITEMS }, (_, i) => ({
    id: `r${round}-${i}`,
    body: { i },
    ...(withUrl ? { notifyUrl: "http://127.0.0.1:9/done" } : {}),
  }));
  for (let i = 0; i < jobs.length; i += 1_000) await queue.putJobs(jobs.slice(i, i + 1_000));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONSUMERS }, async () => {
      for (;;) {
        const taken = await queue.get(GET_N);
        if (taken.length === 0) return;
        await queue.successMany(taken.map(([id]) => id));
      }
    }),
  );
  return ITEMS / ((performance.now() - started) / 1000);
}

const table = randomTableName("tq_bench_cb");
const queue = await openSqlQueue({ connection: url, tableName: table, queueName: "bench" });
try {
  const rates = { without: [] as number[], with: [] as number[] };
  let round = 0;
  for (const withUrl of [false, true, true, false]) {
    rates[withUrl ? "with" : "without"].push(await drain(queue, withUrl, round++));
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const outbox = await queue.callbacks({ limit: 1000 });
  console.log(`drain of ${ITEMS} items, ${CONSUMERS} consumers, get(${GET_N}) + successMany, PostgreSQL`);
  console.log(`  without notify URL: ${Math.round(mean(rates.without))} items/s`);
  console.log(`  with notify URL:    ${Math.round(mean(rates.with))} items/s (an outbox row per item)`);
  console.log(`  ratio with/without: ${(mean(rates.with) / mean(rates.without)).toFixed(2)}`);
  console.log(`  outbox rows listed (first page): ${outbox.length}`);
} finally {
  await queue.close();
  await dropQueueTable(url, table);
}
