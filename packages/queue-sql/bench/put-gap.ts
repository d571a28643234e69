/**
 * Where put's gap to the same-statement baseline is (not a test): `pnpm bench:put-gap` in packages/queue-sql.
 * BENCH_QUEUE_ITEMS items (default 40,000) are put in batches of 1,000, one batch at a time, each batch through every
 * variant below in turn (the order rotates each batch, so no variant always follows another):
 * - base: bench.ts's baseline INSERT on a table of migration 0000;
 * - base→ours: the same INSERT on a table of every migration (what the wider row, the ready index and the counts
 *   trigger cost);
 * - base→ours, no trigger: the same on a table of every migration without its counts triggers;
 * - put's SQL: the exact statement SqlQueue.put sends (captured from the driver), sent by plain postgres.js;
 * - SqlQueue.put: the library call itself (its statement plus validation, building the statement and the result).
 * Each variant's server CPU per item is read from /proc for its own backend (pg_backend_pid; bench/cpu.ts)
 * (this process's own CPU is not split per variant: one variant's garbage is collected during another's put).
 */
import type { JsonValue } from "@task-queue/queue-core";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { openSqlQueue, type SqlDatabase } from "../src/index.js";
import { applyMigrations, queueMigrations } from "../src/migrate.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";
import { createPlainTable, postgresWorkload } from "./baseline.js";
import { processMicroseconds } from "./cpu.js";

const ITEMS = Number(process.env.BENCH_QUEUE_ITEMS ?? 40_000);
const BATCH = 1_000;
const url = process.env.BENCH_DATABASE_URL ?? (await testDatabaseUrl());
const body = (i: number): JsonValue => ({ i, payload: "x".repeat(64), tags: ["bench", i % 7] });

/** One connection per variant, so each backend's CPU is that variant's alone. */
const connect = (debug?: postgres.Options<Record<string, never>>["debug"]): postgres.Sql =>
  postgres(url, { max: 1, onnotice: () => {}, ...(debug ? { debug } : {}) });

let captured: { query: string; parameters: unknown[] } | null = null;
const queueClient = connect((_connection, query, parameters) => {
  if (/^\s*WITH input AS/.test(query)) captured = { query, parameters: [...parameters] };
});
const ours = randomTableName("putgap_ours");
const bare = randomTableName("putgap_bare");
const untriggered = randomTableName("putgap_untriggered");
const queue = await openSqlQueue({ connection: drizzle(queueClient), tableName: ours, queueName: "bench" });
const admin = connect();
await createPlainTable(drizzle(admin) as unknown as SqlDatabase, bare);
await applyMigrations(drizzle(admin) as unknown as SqlDatabase, {
  lockKey: `bench:${untriggered}`,
  journalTable: `${untriggered}_migrations`,
  migrations: await queueMigrations(untriggered),
});
// Dropped, not disabled: a disabled trigger's transition tables are still captured.
for (const trigger of ["insert", "update", "delete"])
  await admin.unsafe(`DROP TRIGGER "${untriggered}_counts_${trigger}" ON "${untriggered}"`);

// The first put shows the statement; its parameters are swapped for each batch's ids and bodies.
await queue.put({ warmup: body(0) });
const statement = captured as { query: string; parameters: unknown[] } | null;
if (statement === null) throw new Error("put's statement was not captured");
const idsAt = statement.parameters.findIndex((p) => Array.isArray(p) && p[0] === "warmup");
const bodiesAt = statement.parameters.findIndex((p) => typeof p === "string" && p.startsWith("[{"));
if (idsAt < 0 || bodiesAt < 0)
  throw new Error(`put's parameters changed shape: ${JSON.stringify(statement.parameters)}`);
const replayClient = connect();
const replayOn =
  (client: postgres.Sql, query: string) =>
  async (batch: Record<string, JsonValue>): Promise<number> => {
    const parameters = [...statement.parameters];
    parameters[idsAt] = Object.keys(batch);
    parameters[bodiesAt] = `[${Object.values(batch)
      .map((value) => JSON.stringify(value))
      .join(",")}]`;
    return (await client.unsafe(query, parameters as never[])).length;
  };
const replay = replayOn(replayClient, statement.query);

interface Variant {
  name: string;
  client: postgres.Sql;
  put: (batch: Record<string, JsonValue>) => Promise<number>;
  ms: number;
  pid: number;
  /** Its backend's CPU before the first batch, µs. */
  cpuBefore: number;
}
const baseClient = connect();
const baseOnOursClient = connect();
const untriggeredClient = connect();
const variants: Variant[] = [
  { name: "base", client: baseClient, put: postgresWorkload(baseClient, bare, "bench").put },
  { name: "base→ours", client: baseOnOursClient, put: postgresWorkload(baseOnOursClient, ours, "bench").put },
  {
    name: "base→ours, no trigger",
    client: untriggeredClient,
    put: postgresWorkload(untriggeredClient, untriggered, "bench").put,
  },
  { name: "put's SQL", client: replayClient, put: replay },
  {
    name: "SqlQueue.put",
    client: queueClient,
    put: async (batch: Record<string, JsonValue>) => (await queue.put(batch)).added.length,
  },
].map((variant) => ({ ...variant, ms: 0, pid: 0, cpuBefore: 0 }));

try {
  for (const variant of variants) {
    const [backend] = await variant.client<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    variant.pid = backend!.pid;
    variant.cpuBefore = processMicroseconds(variant.pid);
  }
  for (let first = 0, round = 0; first < ITEMS; first += BATCH, round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(k + round) % variants.length]!;
      const batch: Record<string, JsonValue> = {};
      for (let i = first; i < Math.min(ITEMS, first + BATCH); i++) batch[`${variant.name}-${i}`] = body(i);
      const started = performance.now();
      const added = await variant.put(batch);
      variant.ms += performance.now() - started;
      if (added !== Object.keys(batch).length) throw new Error(`${variant.name} added ${added}`);
    }
  }
  const base = variants[0]!;
  for (const variant of variants) {
    const serverUs = (processMicroseconds(variant.pid) - variant.cpuBefore) / ITEMS;
    console.log(
      `${variant.name.padEnd(24)} ${((variant.ms / ITEMS) * 1000).toFixed(2)} µs/item wall (${(base.ms / variant.ms).toFixed(2)}× base's rate), server CPU ${serverUs.toFixed(2)} µs/item`,
    );
  }
} finally {
  await queue.close();
  for (const variant of variants) await variant.client.end({ timeout: 5 });
  for (const table of [ours, bare, untriggered]) await dropQueueTable(url, table);
  await admin.end({ timeout: 5 });
}
