import type { JsonValue, QueueItemStage } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { epochMs, type QueueScope, textArray } from "./scope.js";

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

/** What the fence looks at, read to explain a move that did not happen. */
export interface ItemState {
  stage: QueueItemStage;
  attempts: number;
  /** A lease is set and has run out (by the server's clock). */
  expired: boolean;
  lastError: string | null;
}

/** The state of each listed id the queue holds (ids it does not hold are absent from the map). */
export async function findStates(scope: QueueScope, ids: readonly string[]): Promise<Map<string, ItemState>> {
  const { run, table, queueName } = scope;
  const rows = await run<{
    item_id: string;
    stage: QueueItemStage;
    attempts: number;
    expired: boolean;
    last_error: string | null;
  }>(
    sql`
      SELECT item_id, stage, attempts, coalesce(lease_expires_at <= now(), false) AS expired, last_error
      FROM ${table.table}
      WHERE queue_name = ${queueName} AND item_id = ANY(${textArray(ids)})`,
  );
  return new Map(
    rows.map((row) => [
      row.item_id,
      { stage: row.stage, attempts: row.attempts, expired: row.expired, lastError: row.last_error },
    ]),
  );
}

export interface RecordRow {
  stage: QueueItemStage;
  body: JsonValue;
  attempts: number;
  max_attempts: number;
  priority: number;
  /** Times as epochMs. */
  run_after: number | null;
  lease_expires_at: number | null;
  last_error: string | null;
  result: JsonValue | null;
  created_at: number;
  updated_at: number;
}

/** Every field of one item (lookupRecord), or undefined when the queue does not hold it. */
export async function findRecord(scope: QueueScope, id: string): Promise<RecordRow | undefined> {
  const { run, table, queueName } = scope;
  const [row] = await run<RecordRow>(
    sql`
      SELECT stage, body, attempts, max_attempts, priority, ${epochMs(sql`run_after`)} AS run_after,
        ${epochMs(sql`lease_expires_at`)} AS lease_expires_at, last_error, result,
        ${epochMs(sql`created_at`)} AS created_at, ${epochMs(sql`updated_at`)} AS updated_at
      FROM ${table.table} WHERE queue_name = ${queueName} AND item_id = ${id}`,
  );
  return row;
}
