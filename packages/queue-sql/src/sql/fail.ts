import type { BackoffPolicy } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { movedColumns, recordCallbacks } from "./callbacks.js";
import { changesOf, recordedCte } from "./record.js";
import {
  backoff,
  failedAttempt,
  fenced,
  notifyColumn,
  numberArray,
  type QueueScope,
  STAGE,
  textArray,
} from "./scope.js";

export interface FailureRow {
  id: string;
  /** The fencing token; null: any PROCESSING attempt (the legacy call). */
  attempt: number | null;
  reason: string | null;
  /** Overrides the queue's backoff for this retry (seconds). */
  retryDelaySeconds: number | null;
}

/**
 * fail and failMany, one statement: each listed item that passes the fence has a failed attempt — back to WAITING
 * after its delay (the given one, else the queue's backoff drawn per row) while attempts remain, else FAIL; the
 * reason becomes last_error. Returns the ids it moved with the stage each went to; a retry notifies waiters, a
 * final failure records its callback in the same statement.
 */
export async function failItems(
  scope: QueueScope,
  items: readonly FailureRow[],
  policy: BackoffPolicy,
): Promise<Array<{ item_id: string; stage: number }>> {
  const { run, table, queueName } = scope;
  return run<{ item_id: string; stage: number }>(
    sql`
      WITH failed AS (
        UPDATE ${table.table} AS item SET
          ${failedAttempt(table, sql`input.reason`, sql`coalesce(input.delay::float8, ${backoff(policy)})`)}
        FROM unnest(
            ${textArray(items.map((item) => item.id))},
            ${numberArray(items.map((item) => item.attempt))},
            ${textArray(items.map((item) => item.reason))},
            ${numberArray(items.map((item) => item.retryDelaySeconds))}
          ) AS input(item_id, attempt, reason, delay)
        WHERE item.queue_name = ${queueName} AND item.item_id = input.item_id
          AND ${fenced(sql`input.attempt::int`)}
        RETURNING ${movedColumns("item")}
      ), ${recordCallbacks(table, "failed", queueName)}${recordedCte(
        scope,
        changesOf("failed", {
          from: STAGE.PROCESSING,
          to: sql`stage`,
          action: sql`CASE WHEN stage = ${STAGE.WAITING} THEN 'RETRY' END`,
          reason: sql`last_error`,
        }),
      )}
      SELECT item_id, stage, CASE WHEN stage = ${STAGE.WAITING} THEN ${notifyColumn(scope)} END AS notified
      FROM failed`,
  );
}
