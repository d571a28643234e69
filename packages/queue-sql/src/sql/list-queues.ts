import { sql } from "drizzle-orm";
import type { Execute } from "../executor.js";
import type { QueueTable } from "../table.js";

/**
 * The distinct queue names in a table, sorted. A recursive skip scan: one primary-key probe per queue instead of
 * reading every row, which matters when a few queues hold millions of items.
 */
export async function distinctQueueNames(run: Execute, table: QueueTable): Promise<string[]> {
  const rows = await run<{ queue_name: string }>(
    sql`
      WITH RECURSIVE names AS (
        (SELECT queue_name FROM ${table.table} ORDER BY queue_name LIMIT 1)
        UNION ALL
        SELECT (
          SELECT next.queue_name FROM ${table.table} AS next
          WHERE next.queue_name > names.queue_name ORDER BY next.queue_name LIMIT 1
        )
        FROM names WHERE names.queue_name IS NOT NULL
      )
      SELECT queue_name FROM names WHERE queue_name IS NOT NULL`,
  );
  return rows.map((row) => row.queue_name);
}
