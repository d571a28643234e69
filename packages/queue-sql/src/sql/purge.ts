import type { QueueItemStage } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import type { RecordRow } from "./lookup.js";
import { epochMs, type QueueScope, seconds, stageLiteral } from "./scope.js";

export interface PurgedRow extends Partial<RecordRow> {
  item_id: string;
}

/**
 * One batch of a purge: removes up to `limit` items of `stage` whose last change is at least `olderThanSeconds` ago,
 * oldest first, by primary key. The choice is a MATERIALIZED CTE: a subquery under IN may be run again by the plan
 * (a rescan), and with SKIP LOCKED a second run picks other rows, so a batch could exceed its limit. Rows another transaction holds are skipped (SKIP LOCKED), so a purge never waits
 * for a move, and a move waits for at most one batch. For SUCCESS and FAIL the finished_idx index serves the
 * choice of rows, so a batch reads only the rows it removes. With `withRecords`, every field comes back.
 */
export async function purgeBatch(
  scope: QueueScope,
  stage: QueueItemStage,
  olderThanSeconds: number,
  limit: number,
  withRecords: boolean,
): Promise<PurgedRow[]> {
  const { run, table, queueName } = scope;
  const stageSql = stageLiteral(stage);
  const fields = withRecords
    ? sql`, item.stage, item.body, item.attempts, item.max_attempts, item.priority,
        ${epochMs(sql`item.run_after`)} AS run_after, ${epochMs(sql`item.lease_expires_at`)} AS lease_expires_at,
        item.last_error, item.result, ${epochMs(sql`item.created_at`)} AS created_at,
        ${epochMs(sql`item.updated_at`)} AS updated_at`
    : sql``;
  return run<PurgedRow>(
    sql`
      WITH old AS MATERIALIZED (
        SELECT old.item_id FROM ${table.table} AS old
        WHERE old.queue_name = ${queueName} AND old.stage = ${stageSql}
          AND old.updated_at <= now() - ${seconds(sql`${olderThanSeconds}`)}
        ORDER BY old.updated_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      DELETE FROM ${table.table} AS item
      USING old
      WHERE item.queue_name = ${queueName} AND item.item_id = old.item_id AND item.stage = ${stageSql}
      RETURNING item.item_id${fields}`,
  );
}
