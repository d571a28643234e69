/**
 * Where the drain's gap to the same-statement baseline is (not a test): `pnpm bench:drain-gap` in packages/queue-sql.
 * Two tables of BENCH_QUEUE_ITEMS rows each (ours, and migration 0000 only, as bench.ts's baseline):
 * 1. one get(100) + successMany(100) at a time, alternating between SqlQueue and the baseline's statements, each part
 *    timed (no concurrency, so the machine's noise weighs less than in the 4-consumer drain);
 * 2. EXPLAIN (ANALYZE, BUFFERS) of the same bare `UPDATE … SET stage = 2` of 100 PROCESSING rows on each table (rolled
 *    back): what our table costs a move, whatever the statement.
 */
import type { JsonValue } from "@task-queue/queue-core";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { openSqlQueue, type SqlDatabase } from "../src/index.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";
import { createPlainTable } from "./baseline.js";

/** Thrown to roll an EXPLAIN ANALYZE's transaction back. */
class RolledBack extends Error {}

const ITEMS = Number(process.env.BENCH_QUEUE_ITEMS ?? 20_000);
const url = process.env.BENCH_DATABASE_URL ?? (await testDatabaseUrl());
const client = postgres(url, { max: 2, onnotice: () => {} });
const ours = randomTableName("gap_ours");
const base = randomTableName("gap_base");
// One connection of its own, so pg_prepared_statements (per session) shows how each of our statements was planned.
const ourClient = postgres(url, { max: 1, onnotice: () => {} });
const queue = await openSqlQueue({ connection: drizzle(ourClient), tableName: ours, queueName: "bench" });
await createPlainTable(drizzle(client) as unknown as SqlDatabase, base);
const t = client(base);
const body = (i: number): JsonValue => ({ i, payload: "x".repeat(64), tags: ["bench", i % 7] });

try {
  for (let first = 0; first < ITEMS; first += 1_000) {
    const batch: Record<string, JsonValue> = {};
    for (let i = first; i < Math.min(ITEMS, first + 1_000); i++) batch[`i${i}`] = body(i);
    await queue.put(batch);
    const ids = Object.keys(batch);
    await client`INSERT INTO ${t} (queue_name, item_id, body)
      SELECT 'bench', input.id, input.body::jsonb FROM unnest(${ids}::text[], ${ids.map((id) => JSON.stringify(batch[id]))}::text[]) AS input(id, body)`;
  }

  const ms = { ourGet: 0, ourSuccess: 0, baseGet: 0, baseSuccess: 0 };
  const timed = async <T>(key: keyof typeof ms, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await run();
    ms[key] += performance.now() - started;
    return value;
  };
  // Leave 500 in each table for the EXPLAINs below.
  for (let done = 0; done + 500 < ITEMS; done += 100) {
    const got = await timed("ourGet", () => queue.get(100));
    await timed("ourSuccess", () => queue.successMany(got.map(([id]) => id)));
    const taken = await timed(
      "baseGet",
      () => client`WITH next AS (SELECT item_id FROM ${t} WHERE queue_name = 'bench' AND stage = 0
          ORDER BY ordering LIMIT 100 FOR UPDATE SKIP LOCKED)
        UPDATE ${t} AS item SET stage = 1, updated_at = now() FROM next
        WHERE item.queue_name = 'bench' AND item.item_id = next.item_id RETURNING item.item_id`,
    );
    await timed(
      "baseSuccess",
      () => client`UPDATE ${t} SET stage = 2, updated_at = now()
        WHERE queue_name = 'bench' AND item_id = ANY(${taken.map((row) => row.item_id as string)}::text[]) AND stage = 1`,
    );
  }
  const calls = Math.ceil((ITEMS - 500) / 100);
  const each = (key: keyof typeof ms): string => `${(ms[key] / calls).toFixed(3)} ms`;
  console.log(
    `per call, one at a time (ours / baseline): get(100) ${(ms.ourGet / ms.baseGet).toFixed(2)}× (${each("ourGet")} / ${each("baseGet")}), successMany(100) ${(ms.ourSuccess / ms.baseSuccess).toFixed(2)}× (${each("ourSuccess")} / ${each("baseSuccess")})`,
  );

  // PostgreSQL plans a prepared statement afresh on each run (custom) unless its generic plan costs no more than
  // the custom ones; planning a get is ~0.4 ms, a third of its gap.
  const plans = await ourClient<{ statement: string; generic_plans: number; custom_plans: number }[]>`
    SELECT left(regexp_replace(statement, '\\s+', ' ', 'g'), 60) AS statement, generic_plans, custom_plans
    FROM pg_prepared_statements WHERE generic_plans + custom_plans > 10 ORDER BY statement`;
  for (const plan of plans)
    console.log(`plans of "${plan.statement}…": ${plan.generic_plans} generic, ${plan.custom_plans} custom`);

  for (const table of [ours, base]) {
    await client.unsafe(`UPDATE "${table}" SET stage = 1 WHERE stage = 0`);
    const ids = (
      await client.unsafe(`SELECT item_id FROM "${table}" WHERE stage = 1 ORDER BY item_id LIMIT 100`)
    ).map((row) => row.item_id as string);
    for (let round = 0; round < 3; round++) {
      await client
        .begin(async (tx) => {
          const plan = await tx.unsafe(
            `EXPLAIN (ANALYZE, BUFFERS) UPDATE "${table}" SET stage = 2, updated_at = now()
             WHERE queue_name = 'bench' AND item_id = ANY($1::text[]) AND stage = 1`,
            [ids as never],
          );
          const lines = plan.map((row) => String(row["QUERY PLAN"]));
          const shown = lines.filter((line) => /^Update on|^ {2}Buffers|^Trigger|^Execution Time/.test(line));
          console.log(
            `${table === ours ? "our table" : "migration 0000"}: ${shown.map((l) => l.trim()).join(" | ")}`,
          );
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
    }
  }
} finally {
  await queue.close();
  await ourClient.end({ timeout: 5 });
  await dropQueueTable(url, ours);
  await dropQueueTable(url, base);
  await client.end({ timeout: 5 });
}
