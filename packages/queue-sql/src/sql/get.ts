import type { JsonValue } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, STAGE } from "./scope.js";

/**
 * Moves up to n WAITING items to PROCESSING and returns them oldest first. SKIP LOCKED lets concurrent callers
 * take disjoint sets without waiting on each other; the row lock taken in `next` is what makes an item go to
 * one caller only.
 */
export async function takeWaiting(scope: QueueScope, n: number): Promise<Array<[string, JsonValue]>> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string; body: JsonValue }>(
    sql`
      WITH next AS (
        SELECT item_id FROM ${table.table}
        WHERE queue_name = ${queueName} AND stage = ${STAGE.WAITING}
        ORDER BY ordering
        LIMIT ${n}
        FOR UPDATE SKIP LOCKED
      ), taken AS (
        UPDATE ${table.table} AS item SET stage = ${STAGE.PROCESSING}, updated_at = now()
        FROM next
        WHERE item.queue_name = ${queueName} AND item.item_id = next.item_id
        RETURNING item.item_id, item.body, item.ordering
      )
      SELECT item_id, body FROM taken ORDER BY ordering`,
  );
  return rows.map((row) => [row.item_id, row.body]);
}
