import type { ValidItem } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, textArray } from "./scope.js";

/**
 * Inserts one chunk of items as WAITING, in the chunk's order (the ordering key is drawn in that order), and
 * returns the ids it added; ids already in the queue, in any stage, are left as they are. Three parameters
 * whatever the chunk size (two arrays through unnest), so the 65,535-parameter limit never applies.
 */
export async function insertItems(scope: QueueScope, items: readonly ValidItem[]): Promise<string[]> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string }>(
    sql`
      INSERT INTO ${table.table} (queue_name, item_id, body)
      SELECT ${queueName}, input.item_id, input.body::jsonb
      FROM unnest(${textArray(items.map((item) => item.id))}, ${textArray(items.map((item) => item.json))})
        WITH ORDINALITY AS input(item_id, body, position)
      ORDER BY input.position
      ON CONFLICT DO NOTHING
      RETURNING item_id`,
  );
  return rows.map((row) => row.item_id);
}
