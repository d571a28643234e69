import type { StageName } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, STAGE, textArray } from "./scope.js";

/**
 * Moves the listed items that are in `from` to `to`, in one statement, and returns the ids it moved. Entering
 * WAITING draws a new ordering key, so a requeued item goes to the back of the line.
 */
export async function moveItems(
  scope: QueueScope,
  ids: readonly string[],
  from: StageName,
  to: StageName,
): Promise<string[]> {
  const { run, table, queueName } = scope;
  const reorder = to === "WAITING" ? sql`, ordering = ${table.nextOrdering}` : sql``;
  const rows = await run<{ item_id: string }>(
    sql`
      UPDATE ${table.table} SET stage = ${STAGE[to]}, updated_at = now()${reorder}
      WHERE queue_name = ${queueName} AND item_id = ANY(${textArray(ids)}) AND stage = ${STAGE[from]}
      RETURNING item_id`,
  );
  return rows.map((row) => row.item_id);
}

/** Moves one item from `from` to `to`; false when it is missing or in another stage. */
export async function moveItem(
  scope: QueueScope,
  id: string,
  from: StageName,
  to: StageName,
): Promise<boolean> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string }>(
    sql`
      UPDATE ${table.table} SET stage = ${STAGE[to]}, updated_at = now()
      WHERE queue_name = ${queueName} AND item_id = ${id} AND stage = ${STAGE[from]}
      RETURNING item_id`,
  );
  return rows.length > 0;
}
