// What recording costs: one life (put, get, success) of N items on SqlQueue alone, and wrapped in QueueWithEvents
// with a SqlEventStore on the same database (one transaction per call), and where the time of a recorded call
// goes. Run: pnpm --filter @task-queue/queue-events bench
import { PGlite } from "@electric-sql/pglite";
import type { Queue } from "@task-queue/queue-core";
import { type SqlDatabase, type SqlQueue, SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, dropTables, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
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

/**
 * Where the time of one recorded get(BATCH) goes on this database: the move alone, the move inside a transaction,
 * the event rows alone, and the rescue QueueWithEvents runs before each get (nothing expired: the usual case). Each figure is the mean over the ITEMS / BATCH calls of a drain of fresh items.
 */
async function breakdown(label: string, queue: SqlQueue, store: SqlEventStore): Promise<void> {
  const calls = ITEMS / BATCH;
  let round = 0;
  /** Puts ITEMS fresh items, then runs `step` once per batch and returns the mean time of what it measured. */
  const perCall = async (step: () => Promise<number>): Promise<number> => {
    const items: Record<string, { i: number }> = {};
    for (let i = 0; i < ITEMS; i++) items[`round-${round}-${i}`] = { i };
    round++;
    await queue.put(items);
    let total = 0;
    for (let call = 0; call < calls; call++) total += await step();
    return total / calls;
  };
  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const move = await perCall(() => timed(() => queue.get(BATCH)));
  const inTransaction = await perCall(() => timed(() => queue.transaction((tx) => tx.get(BATCH))));
  const rows = await perCall(async () => {
    const got = await queue.get(BATCH);
    return timed(() =>
      store.addMany(
        got.map(([id]) => ({
          name: "BENCH_MOVE",
          version: 1,
          data: { queue: queue.queueName, id, from: "WAITING", to: "PROCESSING" },
          metadata: {},
        })),
      ),
    );
  });
  const rescue = await perCall(() => timed(() => queue.rescueExpired()));
  console.log(
    `${label}: one get(${BATCH}), ms per call: the move ${move.toFixed(2)}, the move in a transaction ` +
      `${inTransaction.toFixed(2)}, its ${BATCH} event rows alone ${rows.toFixed(2)}, ` +
      `the rescue before it ${rescue.toFixed(2)}`,
  );
}

async function measure(label: string, db: SqlDatabase): Promise<void> {
  const queueTable = randomTableName("bench_queue");
  const eventTable = randomTableName("bench_events");
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
    await breakdown(label, namespace.queue("breakdown"), store);
  } finally {
    await namespace.close();
    await dropQueueTable(db, queueTable);
    await dropTables(db, eventTable, `${eventTable}_migrations`);
  }
}

const pglite = new PGlite();
await measure("PGlite", drizzlePglite(pglite) as unknown as SqlDatabase);
await pglite.close();

const client = postgres(await testDatabaseUrl(), {
  max: 4,
  onnotice: () => {},
});
await measure("PostgreSQL", drizzlePostgres(client) as unknown as SqlDatabase);
await client.end();
