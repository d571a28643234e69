import { type BackoffPolicy, LEASE_EXPIRED_REASON } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import type { Execute } from "../executor.js";
import type { QueueTable } from "../table.js";
import { movedColumns, recordCallbacks } from "./callbacks.js";
import { changesOf, recordedCte } from "./record.js";
import { backoff, failedAttempt, notifyColumn, type QueueScope, STAGE } from "./scope.js";

/**
 * The data-modifying CTEs `expired` and `rescued` that treat PROCESSING items whose lease has expired as failed
 * attempts ("lease expired": back to WAITING after the queue's backoff, or FAIL when no attempt is left; items
 * failed for good record their callbacks, CTE `callbacks_recorded`). They walk
 * the lease index, which holds only leased PROCESSING rows, so with nothing expired they cost one index probe.
 * The UPDATE finds the locked rows by their tuple ids (a TID scan, whatever the statistics say; a locked row keeps
 * its ctid until this statement updates it). SKIP LOCKED: a row another statement is completing or rescuing right now is left to it. `queueName` null: every
 * queue of the table (the namespace's sweep).
 */
export function rescueCtes(
  table: QueueTable,
  queueName: string | null,
  policy: BackoffPolicy,
  limit: number | null,
): SQL {
  const inQueue = queueName === null ? sql`` : sql`queue_name = ${queueName} AND `;
  const bound = limit === null ? sql`` : sql` ORDER BY lease_expires_at LIMIT ${limit}`;
  return sql`
      expired AS (
        SELECT ctid FROM ${table.table}
        WHERE ${inQueue}stage = ${STAGE.PROCESSING} AND lease_expires_at IS NOT NULL AND lease_expires_at <= now()${bound}
        FOR UPDATE SKIP LOCKED
      ), rescued AS (
        UPDATE ${table.table} AS item SET ${failedAttempt(table, sql`${LEASE_EXPIRED_REASON}`, backoff(policy))}
        WHERE item.ctid = ANY(ARRAY(SELECT ctid FROM expired))
        RETURNING ${movedColumns("item")}
      ), ${recordCallbacks(table, "rescued", queueName)}`;
}

/** The recorded changes of the `rescued` CTE's rows: RESCUE moves from PROCESSING, with the reason. */
export function rescuedChanges(): SQL {
  return changesOf("rescued", {
    from: STAGE.PROCESSING,
    to: sql`stage`,
    action: sql`'RESCUE'`,
    reason: sql`${LEASE_EXPIRED_REASON}::text`,
  });
}

/** Rescues every expired lease of one queue now (rescueExpired); returns the ids and the stage each went to. */
export async function rescueQueue(
  scope: QueueScope,
  policy: BackoffPolicy,
): Promise<Array<{ item_id: string; stage: number }>> {
  return scope.run<{ item_id: string; stage: number }>(
    sql`
      WITH ${rescueCtes(scope.table, scope.queueName, policy, null)}${recordedCte(scope, rescuedChanges())}
      SELECT item_id, stage, CASE WHEN stage = ${STAGE.WAITING} THEN ${notifyColumn(scope)} END AS notified
      FROM rescued`,
  );
}

/**
 * Rescues every expired lease of every queue in the table (the namespace's sweep), in one statement. Retried items
 * notify their queue's waiters.
 */
export async function rescueTable(
  run: Execute,
  table: QueueTable,
  policy: BackoffPolicy,
): Promise<Array<{ queue_name: string; item_id: string; stage: number }>> {
  return run<{ queue_name: string; item_id: string; stage: number }>(
    sql`
      WITH ${rescueCtes(table, null, policy, null)}, woken AS (
        SELECT pg_notify(${table.channel}, queue_name) FROM (SELECT DISTINCT queue_name FROM rescued WHERE stage = ${STAGE.WAITING}) AS retried
      )
      SELECT queue_name, item_id, stage, (SELECT count(*) FROM woken) AS notified FROM rescued`,
  );
}
