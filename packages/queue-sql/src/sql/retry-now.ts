import { sql } from "drizzle-orm";
import { notifyColumn, type QueueScope, STAGE, textArray } from "./scope.js";

/** Makes the listed WAITING items available at once (run_after cleared); notifies waiters when it moved anything. */
export async function retryItemsNow(scope: QueueScope, ids: readonly string[]): Promise<string[]> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string }>(
    sql`
      WITH released AS (
        UPDATE ${table.table} SET run_after = NULL, updated_at = now()
        WHERE queue_name = ${queueName} AND item_id = ANY(${textArray(ids)}) AND stage = ${STAGE.WAITING}
        RETURNING item_id
      )
      SELECT item_id, ${notifyColumn(scope)} AS notified FROM released`,
  );
  return rows.map((row) => row.item_id);
}
