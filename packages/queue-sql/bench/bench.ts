/**
 * Benchmark (not a test): `pnpm bench` in packages/queue-sql, or `pnpm bench` at the root. Writes bench/results.json;
 * `pnpm bench:readme` renders it into README.md. On the local PostgreSQL (BENCH_DATABASE_URL, else the tests'
 * database): put BENCH_QUEUE_ITEMS (default 100,000) in batches of 1,000, then drain them with 4 concurrent consumers
 * taking 100 at a time and marking them done, through SqlQueue and beside it, in the same run and alternating order:
 * - the same-statement baseline: plain postgres.js running queue-sql's pre-lifecycle statements on a table of
 *   migration 0000 (what the library and the lifecycle cost together);
 * - an independent plain-SQL queue (bench/peers.ts: its own table and indexes, as a person would write one);
 * - graphile-worker and pg-boss, as their documentation has them used.
 * Each side's round starts on a settled server (settle: a CHECKPOINT, no autovacuum worker running). Each drain is
 * checked for duplicates and loss, and the CPU each side's put and drain took per item is counted (bench/cpu.ts).
 * Then: put→get latency with one waiting consumer (SqlQueue's waitSeconds and graphile-worker's LISTEN), statements
 * per second of 16 idle waiters, a drain on top of BENCH_BACKGROUND_ROWS (default 1,000,000) SUCCESS rows against a
 * fresh table, get on an empty queue beside those rows, and sizes() against COUNT(*) at that size; put and drain on
 * fresh tables of BENCH_SCALE_SIZES items (default 10,000, 100,000 and 1,000,000) against the smallest; and the drain
 * on PGlite against PGlite's own query().
 */
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { JsonValue } from "@task-queue/queue-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { openSqlQueue, type SqlDatabase, type SqlQueue } from "../src/index.js";
import { pgliteDatabase } from "../src/pglite.js";
import { postgresDatabase } from "../src/postgres.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";
import { createPlainTable, postgresWorkload } from "./baseline.js";
import { CpuTally } from "./cpu.js";
import { GraphileQueue, pgBossQueue, pgQueries, plainQueue } from "./peers.js";
import type { BenchResults, Figure } from "./results.js";
import type { Workload } from "./workload.js";

const ITEMS = Number(process.env.BENCH_QUEUE_ITEMS ?? 100_000);
const BACKGROUND_ROWS = Number(process.env.BENCH_BACKGROUND_ROWS ?? 1_000_000);
/** Queue sizes of the scale case (BENCH_SCALE_SIZES, comma-separated; empty: skipped). */
const SCALE_SIZES = (process.env.BENCH_SCALE_SIZES ?? "10000,100000,1000000")
  .split(",")
  .filter((size) => size.trim() !== "")
  .map(Number);
if (SCALE_SIZES.some((size) => !Number.isSafeInteger(size) || size <= 0))
  throw new Error(`BENCH_SCALE_SIZES: expected positive whole numbers, got ${process.env.BENCH_SCALE_SIZES}`);
/**
 * Throughput rounds per side (BENCH_ROUNDS, even, default 4), in alternating order (forward, reverse, forward, …):
 * every side's rounds then sit, on average, at the same moment of the run, so the means cancel a machine that speeds
 * up or slows down steadily during it; four rounds weigh one slow round half as much as two did.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
if (!Number.isSafeInteger(ROUNDS) || ROUNDS < 2 || ROUNDS % 2 !== 0)
  throw new Error(
    `BENCH_ROUNDS: expected an even number of rounds, 2 or more, got ${process.env.BENCH_ROUNDS}`,
  );
const PUT_BATCH = 1_000;
const CONSUMERS = 4;
const GET_N = 100;
const url = process.env.BENCH_DATABASE_URL ?? (await testDatabaseUrl());
const figures: Figure[] = [];

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
  const seen = new Set<string>();
  let duplicates = 0;
  const started = performance.now();
  const consumer = async (): Promise<void> => {
    for (;;) {
      // Reserve before awaiting, so the consumers together ask for exactly count items.
      const n = Math.min(GET_N, count - asked);
      if (n <= 0) return;
      asked += n;
      const ids = await workload.get(n);
      if (ids.length === 0) return;
      for (const id of ids) {
        if (seen.has(id)) duplicates++;
        seen.add(id);
      }
      // Await first, then add: `drained += await …` would read drained before the await and lose updates.
      const moved = await workload.success(ids);
      drained += moved;
    }
  };
  await Promise.all(Array.from({ length: CONSUMERS }, consumer));
  const rate = count / ((performance.now() - started) / 1000);
  if (drained !== count || seen.size !== count || duplicates > 0)
    throw new Error(`drained ${drained} of ${count}: ${seen.size} distinct, ${duplicates} handed out twice`);
  return { rate, memory: memory.stop() };
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

const fmt = (value: number, unit: string): string => `${Math.round(value).toLocaleString("en-US")} ${unit}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: readonly number[]): number => quantile(values, 0.5);
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Records a figure and prints it beside its baseline. `lowerIsBetter`: a time, whose ratio is baseline / ours. */
function report(
  name: string,
  ours: number,
  baseline: string,
  baselineValue: number,
  unit: string,
  target: number | null,
  lowerIsBetter = false,
): void {
  const ratio = lowerIsBetter ? baselineValue / ours : ours / baselineValue;
  figures.push({ case: name, ours, baseline, baselineValue, unit, ratio, target });
  const verdict =
    target === null
      ? ""
      : `  (target ≥ ${target.toFixed(2)}×: ${ratio >= target ? "reached" : "NOT reached"})`;
  console.log(
    `  ${name}: ours ${ours.toFixed(2)} ${unit}, ${baseline} ${baselineValue.toFixed(2)} ${unit}, ratio ${ratio.toFixed(2)}×${verdict}`,
  );
}

interface Side {
  name: string;
  putRate(prefix: string): Promise<number>;
  drainRate(): Promise<number>;
  /** A small put and drain before any round: connections opened, statements prepared and planned. */
  warm(): Promise<void>;
}

const WARM_ITEMS = 2_000;

function workloadSide(name: string, workload: Workload): Side {
  return {
    name,
    putRate: (prefix) => timePut(workload, prefix, ITEMS),
    drainRate: async () => (await timeDrain(workload, ITEMS)).rate,
    async warm() {
      await timePut(workload, "warm", WARM_ITEMS);
      await timeDrain(workload, WARM_ITEMS);
    },
  };
}

function graphileSide(graphile: GraphileQueue): Side {
  const putOnly: Workload = {
    put: (batch) => graphile.put(batch),
    get: async () => [],
    success: async () => 0,
  };
  return {
    name: "graphile-worker",
    putRate: (prefix) => timePut(putOnly, prefix, ITEMS),
    async drainRate() {
      const { keys, seconds } = await graphile.drain(ITEMS);
      const distinct = new Set(keys).size;
      if (keys.length !== ITEMS || distinct !== ITEMS)
        throw new Error(`graphile-worker ran ${keys.length} jobs, ${distinct} distinct, of ${ITEMS}`);
      return ITEMS / seconds;
    },
    async warm() {
      await timePut(putOnly, "warm", WARM_ITEMS);
      await graphile.drain(WARM_ITEMS);
    },
  };
}

/**
 * Brings the server to the same state before each side's round: a CHECKPOINT (so no side pays for a checkpoint
 * that the previous side's writes started, and each starts writing pages that need full images alike) and no
 * autovacuum worker running (one that a previous side's deletes or updates woke, e.g. on graphile-worker's table,
 * otherwise runs beside whoever comes next); it waits at most 20 s for them. A side's own work in the background
 * (SqlQueue's VACUUM after claims) is still its cost, paid while its own round goes on.
 */
async function settle(admin: postgres.Sql): Promise<void> {
  await admin`CHECKPOINT`;
  const until = performance.now() + 20_000;
  while (performance.now() < until) {
    const [row] = await admin`
      SELECT count(*)::int AS busy FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`;
    if (row?.busy === 0) return;
    await sleep(100);
  }
}

/** Put then drain ITEMS on every side, ROUNDS times, alternating the order; returns each side's mean rates. */
async function throughput(
  sides: Side[],
  admin: postgres.Sql,
  cpu: CpuTally,
): Promise<Map<string, { put: number; drain: number }>> {
  const rates = new Map<string, { put: number[]; drain: number[] }>();
  for (const side of sides) rates.set(side.name, { put: [], drain: [] });
  const orders = Array.from({ length: ROUNDS }, (_, round) =>
    round % 2 === 0 ? sides : [...sides].reverse(),
  );
  for (const [round, order] of orders.entries()) {
    for (const side of order) {
      await settle(admin);
      const entry = rates.get(side.name)!;
      entry.put.push(await cpu.measure(`${side.name} put`, ITEMS, () => side.putRate(`r${round}`)));
      entry.drain.push(await cpu.measure(`${side.name} drain`, ITEMS, () => side.drainRate()));
      console.log(
        `  round ${round + 1} ${side.name}: put ${fmt(entry.put.at(-1)!, "items/s")}, drain ${fmt(entry.drain.at(-1)!, "items/s")}`,
      );
    }
  }
  const ours = rates.get("SqlQueue");
  const base = rates.get("same-statement SQL");
  if (ours && base) {
    // The spread behind the means: each round's ratio, SqlQueue against the baseline's round beside it.
    const spread = (phase: "put" | "drain"): string => {
      const ratios = ours[phase].map((rate, round) => rate / base[phase][round]!);
      return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×`;
    };
    console.log(`  SqlQueue / same-statement SQL per round: put ${spread("put")}, drain ${spread("drain")}`);
  }
  return new Map([...rates].map(([name, r]) => [name, { put: mean(r.put), drain: mean(r.drain) }]));
}

/**
 * CPU per item of SqlQueue's put and drain against a baseline's, client and server apart (lower is better): where
 * the throughput ratio's gap is, in figures that vary less between runs than the rates do.
 */
function reportCpu(cpu: CpuTally, baseline: string): void {
  for (const phase of ["put", "drain"]) {
    const ours = cpu.perItem(`SqlQueue ${phase}`);
    const base = cpu.perItem(`${baseline} ${phase}`);
    if (ours === undefined || base === undefined) continue;
    report(`${phase}: client CPU per item, µs`, ours.client, baseline, base.client, "µs", null, true);
    if (ours.server !== null && base.server !== null)
      report(`${phase}: PostgreSQL CPU per item, µs`, ours.server, baseline, base.server, "µs", null, true);
  }
}

/** One waiting consumer, 200 single-item puts 20 ms apart: put→get latency in ms, for SqlQueue's waitSeconds. */
async function ourLatency(queue: SqlQueue): Promise<number[]> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = (async () => {
    while (latencies.length < 200) {
      const got = await queue.get(1, { waitSeconds: 5 });
      const now = performance.now();
      for (const [id] of got) latencies.push(now - sentAt.get(id)!);
    }
  })();
  await sleep(200);
  for (let i = 0; i < 200; i++) {
    sentAt.set(`l-${i}`, performance.now());
    await queue.put({ [`l-${i}`]: i });
    await sleep(20);
  }
  await consumer;
  return latencies;
}

/** The same for graphile-worker: one worker (LISTEN/NOTIFY), latency from addJob's call to the task's start. */
async function graphileLatency(graphile: GraphileQueue): Promise<number[]> {
  const latencies: number[] = [];
  const runner = await graphile.runner(1, 1, async (payload) => {
    latencies.push(performance.now() - (payload as { sentAt: number }).sentAt);
  });
  await sleep(500);
  for (let i = 0; i < 200; i++) {
    await graphile.addOne({ sentAt: performance.now() });
    await sleep(20);
  }
  for (let i = 0; i < 100 && latencies.length < 200; i++) await sleep(50);
  await runner.stop();
  return latencies;
}

/** Statements per second sent by 16 idle waiters (counted by the driver: postgres.js debug, pg's query). */
async function idleQueries(): Promise<{ ours: number; graphile: number }> {
  const WINDOW_MS = 10_000;
  let ours = 0;
  const client = postgres(url, { max: 4, onnotice: () => {}, debug: () => void ours++ });
  const table = randomTableName("bench_idle");
  const queue = await openSqlQueue({
    connection: postgresDatabase(client),
    tableName: table,
    queueName: "idle",
  });
  const stop = new AbortController();
  setMaxListeners(64, stop.signal);
  const waiters = Array.from({ length: 16 }, async () => {
    while (!stop.signal.aborted) await queue.get(1, { waitSeconds: 60, signal: stop.signal }).catch(() => []);
  });
  await sleep(2_000);
  const oursBefore = ours;
  await sleep(WINDOW_MS);
  const oursRate = (ours - oursBefore) / (WINDOW_MS / 1000);
  stop.abort();
  await Promise.all(waiters);
  await queue.close();
  await dropQueueTable(url, table);
  await client.end({ timeout: 5 });

  const graphile = new GraphileQueue(url, `bench_gw_idle_${randomBytes(4).toString("hex")}`);
  await graphile.open();
  const runner = await graphile.runner(16, 1, async () => {}, null);
  await sleep(2_000);
  const before = pgQueries.count;
  await sleep(WINDOW_MS);
  const graphileRate = (pgQueries.count - before) / (WINDOW_MS / 1000);
  await runner.stop();
  await graphile.close();
  return { ours: oursRate, graphile: graphileRate };
}

async function benchServer(): Promise<void> {
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const admin = drizzlePostgres(postgres(url, { max: 1, onnotice: () => {} })) as unknown as SqlDatabase;
  const queueTable = randomTableName("bench_queue");
  const baseTable = randomTableName("bench_base");
  const ownTable = randomTableName("bench_own");
  const suffix = randomBytes(4).toString("hex");
  await createPlainTable(admin, baseTable);
  const queue = await openSqlQueue({
    connection: url,
    tableName: queueTable,
    queueName: "bench",
    poolSize: 10,
  });
  const own = await plainQueue(client, ownTable);
  const graphile = new GraphileQueue(url, `bench_gw_${suffix}`);
  await graphile.open();
  const boss = await pgBossQueue(url, `bench_boss_${suffix}`);
  try {
    // SqlQueue next to the same-statement baseline, whose target is the tightest: in the alternating order each of
    // their rounds runs right after the other's, at the same moment of a shared machine's load (2 places apart, one
    // day's three runs of the same code gave drains of 0.82–0.97× the baseline with them two places apart).
    const sides = [
      workloadSide("same-statement SQL", postgresWorkload(client, baseTable, "bench")),
      workloadSide("SqlQueue", queueWorkload(queue)),
      workloadSide("plain-SQL queue", own),
      graphileSide(graphile),
      workloadSide("pg-boss", boss),
    ];
    // Warm-up: connections opened, statements prepared and planned, on every side.
    for (const side of sides) await side.warm();
    console.log(
      `PostgreSQL: put ${ITEMS.toLocaleString("en-US")} in batches of ${PUT_BATCH}; drain with ${CONSUMERS} consumers taking ${GET_N} at a time; ${ROUNDS} rounds in alternating order, means`,
    );
    const cpu = new CpuTally();
    const rates = await throughput(sides, client, cpu);
    const ours = rates.get("SqlQueue")!;
    for (const [name, put, drain] of [
      ["same-statement SQL", 0.85, 0.85],
      ["plain-SQL queue", 0.9, null],
      ["graphile-worker", 1.2, 1.2],
      ["pg-boss", 2, 5],
    ] as const) {
      const base = rates.get(name)!;
      report("put, items/s", ours.put, name, base.put, "items/s", put);
      report("drain, items/s", ours.drain, name, base.drain, "items/s", drain);
    }
    reportCpu(cpu, "same-statement SQL");

    console.log("Latency: one waiting consumer, 200 single-item puts 20 ms apart (ms)");
    const oursLatency = await ourLatency(queue.sibling("latency"));
    const graphileLatencies = await graphileLatency(graphile);
    report(
      "put→get p50, ms",
      median(oursLatency),
      "graphile-worker",
      median(graphileLatencies),
      "ms",
      1,
      true,
    );
    report(
      "put→get p99, ms",
      quantile(oursLatency, 0.99),
      "graphile-worker",
      quantile(graphileLatencies, 0.99),
      "ms",
      1,
      true,
    );
  } finally {
    await queue.close();
    await boss.close();
    await graphile.close();
    await own.drop();
    for (const table of [queueTable, baseTable]) await dropQueueTable(admin, table);
    await client.end({ timeout: 5 });
    await (admin as unknown as { $client: postgres.Sql }).$client.end({ timeout: 5 });
  }

  console.log("Idle: 16 waiting consumers, statements per second (all 16 together)");
  const idle = await idleQueries();
  report(
    "idle statements/s, 16 waiters",
    idle.ours,
    "graphile-worker (16 workers)",
    idle.graphile,
    "statements/s",
    null,
    true,
  );
}

/** A drain on top of BACKGROUND_ROWS SUCCESS rows against one on a fresh table; get and sizes() beside those rows. */
async function benchHistory(): Promise<void> {
  const loadedTable = randomTableName("bench_loaded");
  const loaded = await openSqlQueue({
    connection: url,
    tableName: loadedTable,
    queueName: "bench",
    poolSize: 10,
  });
  const fresh: { table: string; queue: SqlQueue }[] = [];
  const freshQueue = async () => {
    const table = randomTableName("bench_fresh");
    const queue = await openSqlQueue({ connection: url, tableName: table, queueName: "bench", poolSize: 10 });
    fresh.push({ table, queue });
    return queue;
  };
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      INSERT INTO "${loadedTable}" (queue_name, item_id, body, stage, attempts)
      SELECT 'bench', 'old-' || g, jsonb_build_object('i', g), 2, 1 FROM generate_series(1, ${BACKGROUND_ROWS}) AS g`);
    console.log(`Beside ${BACKGROUND_ROWS.toLocaleString("en-US")} SUCCESS rows (no manual ANALYZE):`);
    const drain = async (queue: SqlQueue, prefix: string) => {
      await timePut(queueWorkload(queue), prefix, ITEMS);
      return (await timeDrain(queueWorkload(queue), ITEMS)).rate;
    };
    const freshRates = [await drain(await freshQueue(), "a")];
    const loadedRates = [await drain(loaded, "a"), await drain(loaded, "b")];
    freshRates.push(await drain(await freshQueue(), "b"));
    report(
      "drain beside background rows, items/s",
      mean(loadedRates),
      "fresh table",
      mean(freshRates),
      "items/s",
      0.83,
    );

    const emptyGets = async (queue: SqlQueue) => {
      const times: number[] = [];
      for (let i = 0; i < 100; i++) {
        const started = performance.now();
        await queue.get(1);
        times.push(performance.now() - started);
      }
      return median(times);
    };
    const freshEmpty = [await emptyGets(fresh[0]!.queue)];
    const loadedEmpty = [await emptyGets(loaded), await emptyGets(loaded)];
    freshEmpty.push(await emptyGets(fresh[0]!.queue));
    report("get on an empty queue, ms", mean(loadedEmpty), "fresh table", mean(freshEmpty), "ms", 0.5, true);

    const sizesTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await loaded.sizes();
      sizesTimes.push(performance.now() - started);
    }
    const countTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await sql.unsafe(
        `SELECT stage, count(*) FROM "${loadedTable}" WHERE queue_name = 'bench' GROUP BY stage`,
      );
      countTimes.push(performance.now() - started);
    }
    report(
      "sizes() beside background rows, ms",
      median(sizesTimes),
      "COUNT(*) per stage",
      median(countTimes),
      "ms",
      null,
      true,
    );
  } finally {
    await loaded.close();
    await dropQueueTable(url, loadedTable);
    for (const { table, queue } of fresh) {
      await queue.close();
      await dropQueueTable(url, table);
    }
    await sql.end({ timeout: 5 });
  }
}

/**
 * Put then drain N items on a fresh table, for each N of SCALE_SIZES in turn (same batches and consumers as the
 * throughput rounds): items/s at each size against the smallest, so a rate that falls as the queue grows shows.
 */
async function benchScale(): Promise<void> {
  if (SCALE_SIZES.length === 0) return;
  const sizes = SCALE_SIZES.map((size) => size.toLocaleString("en-US"));
  console.log(`Scale: put then drain on a fresh table, ${sizes.join(", ")} items`);
  const rates: { size: number; put: number; drain: number }[] = [];
  for (const size of SCALE_SIZES) {
    const table = randomTableName("bench_scale");
    const queue = await openSqlQueue({ connection: url, tableName: table, queueName: "bench", poolSize: 10 });
    try {
      const workload = queueWorkload(queue);
      const put = await timePut(workload, "scale", size);
      const drain = await timeDrain(workload, size);
      console.log(
        `  ${size.toLocaleString("en-US")} items: put ${fmt(put, "items/s")}, drain ${fmt(drain.rate, "items/s")} (${drain.memory})`,
      );
      rates.push({ size, put, drain: drain.rate });
    } finally {
      await queue.close();
      await dropQueueTable(url, table);
    }
  }
  const [smallest, ...larger] = rates;
  for (const { size, put, drain } of larger) {
    const at = (n: number) => `${n.toLocaleString("en-US")} items`;
    const baseline = `the same at ${at(smallest!.size)}`;
    report(`put of ${at(size)}, items/s`, put, baseline, smallest!.put, "items/s", null);
    report(`drain of ${at(size)}, items/s`, drain, baseline, smallest!.drain, "items/s", null);
  }
}

async function benchPglite(): Promise<void> {
  const pg = new PGlite();
  try {
    const queue = await openSqlQueue({ connection: pgliteDatabase(pg), queueName: "bench" });
    await createPlainTable(queue.database, "bench_base");
    const ours = queueWorkload(queue);
    const base = pgliteWorkload(pg, "bench_base", "bench");
    await timePut(ours, "item", ITEMS);
    await timePut(base, "item", ITEMS);
    const baseDrain = await timeDrain(base, ITEMS);
    const oursDrain = await timeDrain(ours, ITEMS);
    console.log(`PGlite in memory (drain of ${ITEMS.toLocaleString("en-US")} items)`);
    report(
      "PGlite drain, items/s",
      oursDrain.rate,
      "PGlite query(), same statements",
      baseDrain.rate,
      "items/s",
      null,
    );
  } finally {
    await pg.close();
  }
}

await benchServer();
await benchHistory();
await benchScale();
await benchPglite();
const versionClient = postgres(url, { max: 1, onnotice: () => {} });
const [{ version }] = (await versionClient.unsafe(
  "SELECT current_setting('server_version') AS version",
)) as unknown as [{ version: string }];
await versionClient.end();
const results: BenchResults = {
  ranAt: new Date().toISOString(),
  node: process.versions.node,
  postgres: `PostgreSQL ${version ?? ""}`.trim(),
  items: ITEMS,
  backgroundRows: BACKGROUND_ROWS,
  rounds: ROUNDS,
  figures,
};
const out = process.env.BENCH_RESULTS ?? fileURLToPath(new URL("results.json", import.meta.url));
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results written to ${out}`);
