/**
 * Benchmark (not a test): `pnpm bench` in packages/queue-sql, or `pnpm bench` at the root.
 * On the local PostgreSQL (BENCH_DATABASE_URL, else the tests' database: queue-sql/testing):
 * put 100,000 items in batches of 1,000, then drain them with 4 concurrent consumers doing get(100) + successMany,
 * through SqlQueue and, as the baseline, through plain postgres.js SQL (prepared) on a plain queue table — the
 * schema and statements of queue-sql before the job lifecycle (migration 0000 only: no attempts, leases,
 * priorities or delays), so the ratio shows what the lifecycle and the library cost together. Each side runs twice
 * in A-B-B-A order. Then the
 * drain on PGlite in memory, against PGlite's own query() as its baseline. Prints items/s, ratios and peak memory.
 */
import { PGlite } from "@electric-sql/pglite";
import type { JsonValue } from "@task-queue/queue-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { openSqlQueue, type SqlDatabase, type SqlQueue } from "../src/index.js";
import { applyMigrations, queueMigrations } from "../src/migrate.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

const ITEMS = 100_000;
const PUT_BATCH = 1_000;
const CONSUMERS = 4;
const GET_N = 100;
const url = process.env.BENCH_DATABASE_URL ?? (await testDatabaseUrl());

/** The minimal operations a workload needs; SqlQueue and the plain-SQL baselines both provide them. */
interface Workload {
  /** Both sides start from the same JS objects, as a caller has them: plain SQL must serialise them too. */
  put(batch: Record<string, JsonValue>): Promise<number>;
  get(n: number): Promise<string[]>;
  success(ids: string[]): Promise<number>;
  sizes?(): Promise<unknown>;
}

function body(i: number): JsonValue {
  return { i, payload: "x".repeat(64), tags: ["bench", i % 7] };
}

/** Peak RSS and heap, sampled while a phase runs. */
class MemoryPeak {
  rss = 0;
  heap = 0;
  private readonly timer = setInterval(() => this.sample(), 20);
  sample(): void {
    const usage = process.memoryUsage();
    this.rss = Math.max(this.rss, usage.rss);
    this.heap = Math.max(this.heap, usage.heapUsed);
  }
  stop(): string {
    clearInterval(this.timer);
    this.sample();
    return `peak RSS ${(this.rss / 2 ** 20).toFixed(0)} MiB, peak heap ${(this.heap / 2 ** 20).toFixed(0)} MiB`;
  }
}

async function timePut(workload: Workload, prefix: string, count: number): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < count; start += PUT_BATCH) {
    const batch: Record<string, JsonValue> = {};
    const end = Math.min(count, start + PUT_BATCH);
    for (let i = start; i < end; i++) batch[`${prefix}-${i}`] = body(i);
    const added = await workload.put(batch);
    if (added !== end - start) throw new Error(`put added ${added} of ${end - start}`);
  }
  return count / ((performance.now() - started) / 1000);
}

/** Drains count items with concurrent consumers; each holds only the batch in hand, so memory stays flat. */
async function timeDrain(workload: Workload, count: number): Promise<{ rate: number; memory: string }> {
  const memory = new MemoryPeak();
  let drained = 0;
  let asked = 0;
  const started = performance.now();
  const consumer = async (): Promise<void> => {
    for (;;) {
      // Reserve before awaiting, so the consumers together ask for exactly count items.
      const n = Math.min(GET_N, count - asked);
      if (n <= 0) return;
      asked += n;
      const ids = await workload.get(n);
      if (ids.length === 0) return;
      // Await first, then add: `drained += await …` would read drained before the await and lose updates.
      const moved = await workload.success(ids);
      drained += moved;
    }
  };
  await Promise.all(Array.from({ length: CONSUMERS }, consumer));
  const rate = count / ((performance.now() - started) / 1000);
  if (drained !== count)
    throw new Error(`drained ${drained} of ${count}: ${JSON.stringify(await workload.sizes?.())}`);
  return { rate, memory: memory.stop() };
}

/** Runs base, ours, ours, base, so that the table growing and the machine's drift hit both sides alike. */
async function abba<T>(
  base: Workload,
  ours: Workload,
  measure: (workload: Workload, round: 1 | 2) => Promise<T>,
): Promise<{ base: [T, T]; ours: [T, T] }> {
  const base1 = await measure(base, 1);
  const ours1 = await measure(ours, 1);
  const ours2 = await measure(ours, 2);
  const base2 = await measure(base, 2);
  return { base: [base1, base2], ours: [ours1, ours2] };
}

const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

function queueWorkload(queue: SqlQueue): Workload {
  return {
    async put(batch) {
      return (await queue.put(batch)).added.length;
    },
    async get(n) {
      return (await queue.get(n)).map(([id]) => id);
    },
    async success(ids) {
      return (await queue.successMany(ids)).moved.length;
    },
    sizes: () => queue.sizes(),
  };
}

/** A plain queue table: migration 0000 only, the schema before the lifecycle columns and indexes. */
async function createPlainTable(db: SqlDatabase, table: string): Promise<void> {
  const [plain] = await queueMigrations(table);
  await applyMigrations(db, {
    lockKey: `bench:${table}`,
    journalTable: `${table}_migrations`,
    migrations: [plain!],
  });
}

/** A plain queue's statements (the pre-lifecycle ones), written directly against postgres.js (prepared, no drizzle). */
function postgresWorkload(sql: postgres.Sql, table: string, queueName: string): Workload {
  const t = sql(table);
  return {
    async put(batch) {
      const ids = Object.keys(batch);
      const bodies = Object.values(batch).map((value) => JSON.stringify(value));
      const rows = await sql`
        INSERT INTO ${t} (queue_name, item_id, body)
        SELECT ${queueName}, input.item_id, input.body::jsonb
        FROM unnest(${ids}::text[], ${bodies}::text[]) WITH ORDINALITY AS input(item_id, body, position)
        ORDER BY input.position
        ON CONFLICT DO NOTHING
        RETURNING item_id`;
      return rows.length;
    },
    async get(n) {
      const rows = await sql`
        WITH next AS (
          SELECT item_id FROM ${t} WHERE queue_name = ${queueName} AND stage = 0
          ORDER BY ordering LIMIT ${n} FOR UPDATE SKIP LOCKED
        ), taken AS (
          UPDATE ${t} AS item SET stage = 1, updated_at = now() FROM next
          WHERE item.queue_name = ${queueName} AND item.item_id = next.item_id
          RETURNING item.item_id, item.body, item.ordering
        )
        SELECT item_id, body FROM taken ORDER BY ordering`;
      return rows.map((row) => row.item_id as string);
    },
    async success(ids) {
      const rows = await sql`
        UPDATE ${t} SET stage = 2, updated_at = now()
        WHERE queue_name = ${queueName} AND item_id = ANY(${ids}::text[]) AND stage = 1
        RETURNING item_id`;
      return rows.length;
    },
  };
}

/** The same statements on PGlite's own query(), for the PGlite drain's baseline. */
function pgliteWorkload(pg: PGlite, table: string, queueName: string): Workload {
  return {
    async put(batch) {
      const ids = Object.keys(batch);
      const bodies = Object.values(batch).map((value) => JSON.stringify(value));
      const result = await pg.query(
        `INSERT INTO "${table}" (queue_name, item_id, body)
         SELECT $1, input.item_id, input.body::jsonb
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS input(item_id, body, position)
         ORDER BY input.position ON CONFLICT DO NOTHING RETURNING item_id`,
        [queueName, ids, bodies],
      );
      return result.rows.length;
    },
    async get(n) {
      const result = await pg.query<{ item_id: string }>(
        `WITH next AS (
           SELECT item_id FROM "${table}" WHERE queue_name = $1 AND stage = 0
           ORDER BY ordering LIMIT $2 FOR UPDATE SKIP LOCKED
         ), taken AS (
           UPDATE "${table}" AS item SET stage = 1, updated_at = now() FROM next
           WHERE item.queue_name = $1 AND item.item_id = next.item_id
           RETURNING item.item_id, item.body, item.ordering
         )
         SELECT item_id, body FROM taken ORDER BY ordering`,
        [queueName, n],
      );
      return result.rows.map((row) => row.item_id);
    },
    async success(ids) {
      const result = await pg.query(
        `UPDATE "${table}" SET stage = 2, updated_at = now()
         WHERE queue_name = $1 AND item_id = ANY($2::text[]) AND stage = 1 RETURNING item_id`,
        [queueName, ids],
      );
      return result.rows.length;
    },
  };
}

const fmt = (rate: number): string => `${Math.round(rate).toLocaleString("en-US")} items/s`;
const ratio = (ours: number, base: number): string => `${(ours / base).toFixed(2)}×`;

async function benchServer(): Promise<void> {
  const queueTable = randomTableName("bench_queue");
  const baseTable = randomTableName("bench_base");
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const admin = drizzlePostgres(postgres(url, { max: 1, onnotice: () => {} })) as unknown as SqlDatabase;
  await createPlainTable(admin, baseTable);
  const queue = await openSqlQueue({
    connection: url,
    tableName: queueTable,
    queueName: "bench",
    poolSize: 10,
  });
  try {
    const ours = queueWorkload(queue);
    const base = postgresWorkload(client, baseTable, "bench");
    // Warm-up: connections opened, statements planned, on both sides.
    await timePut(ours, "warm", 5_000);
    await timeDrain(ours, 5_000);
    await timePut(base, "warm", 5_000);
    await timeDrain(base, 5_000);

    const puts = await abba(base, ours, (workload, round) => timePut(workload, `item${round}`, ITEMS));
    // Each side now holds 2 × ITEMS; each drain takes ITEMS of them.
    const drains = await abba(base, ours, (workload) => timeDrain(workload, ITEMS));
    const basePut = mean(puts.base);
    const oursPut = mean(puts.ours);
    const baseDrain = { rate: mean(drains.base.map((d) => d.rate)), memory: drains.base[1].memory };
    const oursDrain = { rate: mean(drains.ours.map((d) => d.rate)), memory: drains.ours[1].memory };
    console.log(
      `PostgreSQL (${ITEMS.toLocaleString("en-US")} items; put batches of ${PUT_BATCH}; drain ${CONSUMERS}× get(${GET_N}) + successMany)`,
    );
    console.log(
      `  put    SqlQueue ${fmt(oursPut)}   plain postgres.js ${fmt(basePut)}   ratio ${ratio(oursPut, basePut)}`,
    );
    console.log(
      `  drain  SqlQueue ${fmt(oursDrain.rate)}   plain postgres.js ${fmt(baseDrain.rate)}   ratio ${ratio(oursDrain.rate, baseDrain.rate)}`,
    );
    console.log(`  drain memory: SqlQueue ${oursDrain.memory}; baseline ${baseDrain.memory}`);
  } finally {
    for (const table of [queueTable, baseTable]) await dropQueueTable(admin, table);
    await queue.close();
    await client.end({ timeout: 5 });
    await (admin as unknown as { $client: postgres.Sql }).$client.end({ timeout: 5 });
  }
}

async function benchPglite(): Promise<void> {
  const pg = new PGlite();
  try {
    const queue = await openSqlQueue({ connection: pg, queueName: "bench" });
    await createPlainTable(queue.database, "bench_base");
    const ours = queueWorkload(queue);
    const base = pgliteWorkload(pg, "bench_base", "bench");
    await timePut(ours, "item", ITEMS);
    await timePut(base, "item", ITEMS);
    const baseDrain = await timeDrain(base, ITEMS);
    const oursDrain = await timeDrain(ours, ITEMS);
    console.log(
      `PGlite in memory (drain of ${ITEMS.toLocaleString("en-US")} items, ${CONSUMERS}× get(${GET_N}) + successMany)`,
    );
    console.log(
      `  drain  SqlQueue ${fmt(oursDrain.rate)}   PGlite query() ${fmt(baseDrain.rate)}   ratio ${ratio(oursDrain.rate, baseDrain.rate)}`,
    );
    console.log(`  drain memory: SqlQueue ${oursDrain.memory}`);
  } finally {
    await pg.close();
  }
}

await benchServer();
await benchPglite();
