import { sql } from "drizzle-orm";
import type { Execute } from "../executor.js";
import type { QueueTable } from "../table.js";

/**
 * Refreshes the planner's statistics of the table and returns its row estimate. Run by the queue after large puts:
 * on a table never analyzed (or grown far past its statistics) the planner estimates a handful of rows for a queue
 * and may choose a bitmap scan and a sort over all WAITING rows instead of walking the ready index under get's LIMIT.
 */
export async function analyzeTable(run: Execute, table: QueueTable): Promise<number> {
  // Only the columns get's estimates need (the row count comes with any ANALYZE): sampling bodies is the expensive part.
  await run(sql`ANALYZE ${table.table} (queue_name, stage)`);
  const [row] = await run<{ rows: number }>(
    sql`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = ${`${table.name}`}::regclass`,
  );
  return Number(row?.rows ?? 0);
}
