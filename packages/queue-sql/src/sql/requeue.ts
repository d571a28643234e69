import { sql } from "drizzle-orm";
import { changesOf, recordedCte } from "./record.js";
import { notifyColumn, type QueueScope, STAGE, textArray } from "./scope.js";

/**
 * FAIL → WAITING for the listed items, to the back of the line (a new ordering key), with attempts reset and no delay;
 * last_error stays as the record of the failure. Notifies waiters when it moved anything.
 */
export async function requeueItems(scope: QueueScope, ids: readonly string[]): Promise<string[]> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string }>(
    sql`
      WITH requeued AS (
        UPDATE ${table.table} SET
          stage = ${STAGE.WAITING}, attempts = 0, run_after = NULL, lease_expires_at = NULL,
          ordering = ${table.nextOrdering}, updated_at = now()
        WHERE queue_name = ${queueName} AND item_id = ANY(${textArray(ids)}) AND stage = ${STAGE.FAIL}
        RETURNING item_id
      )${recordedCte(
        scope,
        changesOf("requeued", { from: STAGE.FAIL, to: STAGE.WAITING, action: sql`'REQUEUE'` }),
      )}
      SELECT item_id, ${notifyColumn(scope)} AS notified FROM requeued`,
  );
  return rows.map((row) => row.item_id);
}
