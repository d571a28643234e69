// What recording costs: one life (put, get, successMany) of N items on SqlQueue alone, and wrapped in QueueWithEvents
// with a SqlEventStore on the same database (each recorded call one statement writing the move and its events), in
// A-B-B-A order, twice, with the time of each kind of call. Run: pnpm --filter @task-queue/queue-events bench
import { PGlite } from "@electric-sql/pglite";
import type { Queue } from "@task-queue/queue-core";
import { type SqlDatabase, SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, dropTables, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { QueueWithEvents } from "../dist/index.js";
import { SqlEventStore } from "../dist/sql/index.js";

const ITEMS = 5_000;
const BATCH = 100;
const ROUNDS = 2;

interface Life {
  put: number;
  get: number;
  success: number;
}

const total = (life: Life): number => life.put + life.get + life.success;

async function life(queue: Queue): Promise<Life> {
  const items: Record<string, { i: number }> = {};
  for (let i = 0; i < ITEMS; i++) items[`item-${i}`] = { i };
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await work();
    return [result, performance.now() - started];
  };
  const [, put] = await timed(() => queue.put(items));
  const spent: Life = { put, get: 0, success: 0 };
  for (;;) {
    const [got, getMs] = await timed(() => queue.get(BATCH));
    spent.get += getMs;
    if (got.length === 0) break;
    const [, successMs] = await timed(() => queue.successMany(got.map(([id]) => id)));
    spent.success += successMs;
  }
  return spent;
}

const sum = (lives: readonly Life[]): Life => ({
  put: lives.reduce((s, l) => s + l.put, 0),
  get: lives.reduce((s, l) => s + l.get, 0),
  success: lives.reduce((s, l) => s + l.success, 0),
});

async function measure(label: string, db: SqlDatabase): Promise<void> {
  const queueTable = randomTableName("bench_queue");
  const eventTable = randomTableName("bench_events");
  const namespace = await SqlQueueNamespace.open({ connection: db, tableName: queueTable });
  const store = new SqlEventStore(db, { table: eventTable });
  await store.migrate();
  let queueNumber = 0;
  const plainQueue = () => namespace.queue(`plain-${queueNumber++}`);
  const recordedQueue = () =>
    new QueueWithEvents(namespace.queue(`recorded-${queueNumber++}`), store, { base: "BENCH" });
  try {
    // Warm-up: statements prepared and planned on both sides.
    await life(plainQueue());
    await life(recordedQueue());
    const plain: Life[] = [];
    const recorded: Life[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await life(plainQueue()));
      recorded.push(await life(recordedQueue()));
      recorded.push(await life(recordedQueue()));
      plain.push(await life(plainQueue()));
    }
    if (process.env.BENCH_VERBOSE) console.log({ plain, recorded });
    const p = sum(plain);
    const r = sum(recorded);
    const calls = 1 + 2 * (ITEMS / BATCH) + 1;
    const ms = (value: number) => `${(value / plain.length).toFixed(0)} ms`;
    console.log(
      `${label}: ${ITEMS} items, put + get/successMany in batches of ${BATCH} (${calls} calls), mean of ` +
        `${plain.length} lives each, A-B-B-A: SqlQueue ${ms(total(p))}, with events ${ms(total(r))} ` +
        `(${(total(r) / total(p)).toFixed(2)}x, ${ITEMS * 3} events)`,
    );
    for (const call of ["put", "get", "success"] as const) {
      console.log(
        `  ${call === "success" ? "successMany" : call}: SqlQueue ${ms(p[call])}, with events ${ms(r[call])} ` +
          `(${(r[call] / p[call]).toFixed(2)}x)`,
      );
    }
  } finally {
    await namespace.close();
    await dropQueueTable(db, queueTable);
    await dropTables(db, eventTable, `${eventTable}_migrations`);
  }
}

if (!process.env.BENCH_SKIP_PGLITE) {
  const pglite = new PGlite();
  await measure("PGlite", drizzlePglite(pglite) as unknown as SqlDatabase);
  await pglite.close();
}

const client = postgres(await testDatabaseUrl(), {
  max: 4,
  onnotice: () => {},
});
await measure("PostgreSQL", drizzlePostgres(client) as unknown as SqlDatabase);
await client.end();
