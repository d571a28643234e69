// What recording costs: one life (put, get, success) of N items on SqlQueue alone, and wrapped in QueueWithEvents
// with a SqlEventStore on the same database (one transaction per call). Run: pnpm --filter @task-queue/queue-events bench
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import type { Queue } from "@task-queue/queue-core";
import { type SqlDatabase, SqlQueueNamespace } from "@task-queue/queue-sql";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { QueueWithEvents, SqlEventStore } from "../dist/index.js";

const ITEMS = 5_000;
const BATCH = 100;

async function life(queue: Queue): Promise<number> {
  const items: Record<string, { i: number }> = {};
  for (let i = 0; i < ITEMS; i++) items[`item-${i}`] = { i };
  const started = performance.now();
  await queue.put(items);
  for (;;) {
    const got = await queue.get(BATCH);
    if (got.length === 0) break;
    await queue.successMany(got.map(([id]) => id));
  }
  return performance.now() - started;
}

async function measure(label: string, db: SqlDatabase): Promise<void> {
  const suffix = randomBytes(4).toString("hex");
  const queueTable = `bench_queue_${suffix}`;
  const eventTable = `bench_events_${suffix}`;
  const namespace = await SqlQueueNamespace.open({ connection: db, tableName: queueTable });
  const store = new SqlEventStore(db, { table: eventTable });
  await store.migrate();
  try {
    const plain = await life(namespace.queue("plain"));
    const recorded = await life(new QueueWithEvents(namespace.queue("recorded"), store, { base: "BENCH" }));
    const calls = 1 + 2 * (ITEMS / BATCH) + 1;
    console.log(
      `${label}: ${ITEMS} items, put + get/successMany in batches of ${BATCH} (${calls} calls): ` +
        `SqlQueue ${plain.toFixed(0)} ms, with events ${recorded.toFixed(0)} ms ` +
        `(${(recorded / plain).toFixed(2)}x, ${ITEMS * 3} events)`,
    );
  } finally {
    await namespace.close();
    await db.execute(sql.raw(`drop table if exists "${queueTable}", "${queueTable}_migrations"`));
    await db.execute(sql.raw(`drop sequence if exists "${queueTable}_ordering_seq"`));
    await db.execute(sql.raw(`drop table if exists "${eventTable}", "${eventTable}_migrations"`));
  }
}

const pglite = new PGlite();
await measure("PGlite", drizzlePglite(pglite) as unknown as SqlDatabase);
await pglite.close();

const client = postgres(process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test", {
  max: 4,
  onnotice: () => {},
});
await measure("PostgreSQL", drizzlePostgres(client) as unknown as SqlDatabase);
await client.end();
