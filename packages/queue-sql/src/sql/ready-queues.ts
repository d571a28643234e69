import { sql } from "drizzle-orm";
import type { Execute } from "../executor.js";
import type { QueueTable } from "../table.js";
import { STAGE, textArray } from "./scope.js";

/**
 * Of the given queues, those where a get would find something to do: an available WAITING item (the condition and
 * index of get's claim) or an expired lease (which get rescues). The shared fallback poll of waiting consumers: one
 * statement per process and table, two index probes per queue, however many consumers wait.
 */
export async function queuesWithWork(
  run: Execute,
  table: QueueTable,
  names: readonly string[],
): Promise<string[]> {
  const rows = await run<{ queue_name: string }>(
    sql`
      SELECT q AS queue_name FROM unnest(${textArray(names)}) AS q
      WHERE EXISTS (
          SELECT 1 FROM ${table.table}
          WHERE queue_name = q AND stage = ${STAGE.WAITING} AND (run_after IS NULL OR run_after <= now())
        ) OR EXISTS (
          SELECT 1 FROM ${table.table}
          WHERE queue_name = q AND stage = ${STAGE.PROCESSING} AND lease_expires_at IS NOT NULL
            AND lease_expires_at <= now()
        )`,
  );
  return rows.map((row) => row.queue_name);
}
