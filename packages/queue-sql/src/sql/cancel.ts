import { sql } from "drizzle-orm";
import { movedColumns, recordCallbacks } from "./callbacks.js";
import { type QueueScope, STAGE } from "./scope.js";

/**
 * WAITING or PROCESSING → FAIL with the reason, lease and delay cleared, and its callback recorded; false when the
 * item is elsewhere or absent.
 */
export async function cancelItem(scope: QueueScope, id: string, reason: string): Promise<boolean> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string }>(
    sql`
      WITH cancelled AS (
        UPDATE ${table.table} AS item SET
          stage = ${STAGE.FAIL}, last_error = ${reason}, lease_expires_at = NULL, run_after = NULL, updated_at = now()
        WHERE queue_name = ${queueName} AND item_id = ${id} AND stage IN (${STAGE.WAITING}, ${STAGE.PROCESSING})
        RETURNING ${movedColumns("item")}
      ), ${recordCallbacks(table, "cancelled", queueName)}
      SELECT item_id FROM cancelled`,
  );
  return rows.length > 0;
}
