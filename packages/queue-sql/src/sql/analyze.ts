import { sql } from "drizzle-orm";
import type { DrizzleDatabase } from "../database.js";
import { type Execute, executorFor } from "../executor.js";
import type { QueueTable } from "../table.js";

/**
 * The statistics target of the queue's own ANALYZE: 300 × 10 = 3,000 sampled rows. It only has to tell the planner
 * how many rows the table holds and which queues and stages are common (a few values each); the default target (100:
 * 30,000 rows) cost 10× the time (75–160 ms at 10k–40k rows against 7–12 ms, measured 2026-12-01), paid by the put
 * that crossed the line. Autovacuum's own ANALYZE still uses the server's target.
 */
const ANALYZE_STATISTICS_TARGET = 10;

/**
 * Refreshes the planner's statistics of the table and returns its row estimate. Run by the queue after large puts:
 * on a table never analyzed (or grown far past its statistics) the planner estimates a handful of rows for a queue
 * and may choose a bitmap scan and a sort over all WAITING rows instead of walking the ready index under get's LIMIT.
 */
export async function analyzeTable(db: DrizzleDatabase, table: QueueTable): Promise<number> {
  return db.transaction(async (tx) => {
    const run = executorFor(tx);
    await run(sql.raw(`SET LOCAL default_statistics_target = ${ANALYZE_STATISTICS_TARGET}`));
    // Only the columns get's estimates need (the row count comes with any ANALYZE): sampling bodies is the expensive part.
    // SKIP_LOCKED: a table that a VACUUM (the queue's own, or autovacuum's) holds is left for the next crossing rather
    // than making the put wait for it.
    await run(sql`ANALYZE (SKIP_LOCKED) ${table.table} (queue_name, stage)`);
    return rowEstimate(run, table);
  });
}

/** The table's row count as PostgreSQL last estimated it (by ANALYZE or VACUUM); 0 before either. */
export async function rowEstimate(run: Execute, table: QueueTable): Promise<number> {
  const [row] = await run<{ rows: number }>(
    sql`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = ${`${table.name}`}::regclass`,
  );
  return Number(row?.rows ?? 0);
}
