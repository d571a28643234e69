import { sql } from "drizzle-orm";
import { type QueueScope, STAGE } from "./scope.js";

/** WAITING or PROCESSING → FAIL with the reason, lease and delay cleared; false when the item is elsewhere or absent. */
export async function cancelItem(scope: QueueScope, id: string, reason: string): Promise<boolean> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string }>(
    sql`
      UPDATE ${table.table} SET
        stage = ${STAGE.FAIL}, last_error = ${reason}, lease_expires_at = NULL, run_after = NULL, updated_at = now()
      WHERE queue_name = ${queueName} AND item_id = ${id} AND stage IN (${STAGE.WAITING}, ${STAGE.PROCESSING})
      RETURNING item_id`,
  );
  return rows.length > 0;
}
