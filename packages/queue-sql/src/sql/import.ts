import type { QueueItemStage } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { jsonDocuments, notifyColumn, numberArray, type QueueScope, textArray } from "./scope.js";

/** An item brought over from another store, at the stage it had there. */
export interface ImportRow {
  id: string;
  json: string;
  stage: QueueItemStage;
}

/**
 * Inserts one chunk of items at their stages, in the chunk's order, and returns the ids it added; ids already in
 * the queue are left as they are, so importing twice adds nothing the second time. An item past WAITING counts
 * one attempt (it was handed out once), so its attempt number fences as any other.
 */
export async function importRows(scope: QueueScope, rows: readonly ImportRow[]): Promise<string[]> {
  const { run, table, queueName } = scope;
  const inserted = await run<{ item_id: string }>(
    sql`
      WITH inserted AS (
        INSERT INTO ${table.table} (queue_name, item_id, body, stage, attempts)
        SELECT ${queueName}, input.item_id, input.body::jsonb, input.stage::smallint,
          CASE WHEN input.stage::int = 0 THEN 0 ELSE 1 END
        FROM ROWS FROM (
            unnest(${textArray(rows.map((row) => row.id))}),
            ${jsonDocuments(rows.map((row) => row.json))},
            unnest(${numberArray(rows.map((row) => row.stage))})
          ) WITH ORDINALITY AS input(item_id, body, stage, position)
        ORDER BY input.position
        ON CONFLICT DO NOTHING
        RETURNING item_id
      )
      SELECT item_id, ${notifyColumn(scope)} AS notified FROM inserted`,
  );
  return inserted.map((row) => row.item_id);
}
