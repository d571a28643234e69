import { sql } from "drizzle-orm";
import { type QueueScope, STAGE, textArray } from "./scope.js";

/** Removes the listed items in WAITING, SUCCESS or FAIL for good (PROCESSING must be cancelled first). */
export async function deleteItems(scope: QueueScope, ids: readonly string[]): Promise<string[]> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string }>(
    sql`
      DELETE FROM ${table.table}
      WHERE queue_name = ${queueName} AND item_id = ANY(${textArray(ids)})
        AND stage IN (${STAGE.WAITING}, ${STAGE.SUCCESS}, ${STAGE.FAIL})
      RETURNING item_id`,
  );
  return rows.map((row) => row.item_id);
}
