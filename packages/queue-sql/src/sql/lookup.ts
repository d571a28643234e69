import type { JsonValue, QueueItemStage } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, textArray } from "./scope.js";

/** One item's stage and body, or undefined when the queue does not hold it. */
export async function findItem(
  scope: QueueScope,
  id: string,
): Promise<{ stage: QueueItemStage; body: JsonValue } | undefined> {
  const { run, table, queueName } = scope;
  const [row] = await run<{ stage: QueueItemStage; body: JsonValue }>(
    sql`SELECT stage, body FROM ${table.table} WHERE queue_name = ${queueName} AND item_id = ${id}`,
  );
  return row;
}

/** The stage of each listed id the queue holds (ids it does not hold are absent from the map). */
export async function findStages(
  scope: QueueScope,
  ids: readonly string[],
): Promise<Map<string, QueueItemStage>> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string; stage: QueueItemStage }>(
    sql`
      SELECT item_id, stage FROM ${table.table}
      WHERE queue_name = ${queueName} AND item_id = ANY(${textArray(ids)})`,
  );
  return new Map(rows.map((row) => [row.item_id, row.stage]));
}
