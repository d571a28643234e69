import type { FinishedItem } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, STAGE, seconds } from "./scope.js";

/**
 * The SUCCESS and FAIL items that finished in the last `sinceSeconds` (by updated_at, through finished_idx), each
 * with its finish time, put → finish time and reason, plus the oldest WAITING item's age and the server's clock. One statement.
 */
export async function statsRows(
  scope: QueueScope,
  sinceSeconds: number,
): Promise<{ finished: FinishedItem[]; oldestWaitingSeconds: number | null; nowMs: number }> {
  const { run, table, queueName } = scope;
  const rows = await run<{
    stage: number | null;
    seconds: number | null;
    reason: string | null;
    finished_ms: number | null;
    oldest: number | null;
    now_ms: number;
  }>(
    sql`
      WITH finished AS (
        SELECT stage, extract(epoch FROM updated_at - created_at)::float8 AS seconds, last_error AS reason,
          (extract(epoch FROM updated_at) * 1000)::float8 AS finished_ms
        FROM ${table.table}
        WHERE queue_name = ${queueName} AND stage IN (${STAGE.SUCCESS}, ${STAGE.FAIL})
          AND updated_at >= now() - ${seconds(sql`${sinceSeconds}`)}),
      oldest AS (
        SELECT extract(epoch FROM now() - min(updated_at))::float8 AS oldest
        FROM ${table.table} WHERE queue_name = ${queueName} AND stage = ${STAGE.WAITING})
      SELECT finished.stage::int AS stage, finished.seconds, finished.reason, finished.finished_ms, oldest.oldest,
        (extract(epoch FROM now()) * 1000)::float8 AS now_ms
      FROM oldest LEFT JOIN finished ON true`,
  );
  const first = rows[0];
  return {
    finished: rows
      .filter((row) => row.stage !== null)
      .map((row) => ({
        stage: Number(row.stage) === 2 ? "SUCCESS" : "FAIL",
        finishedAt: Number(row.finished_ms),
        seconds: Math.max(0, Number(row.seconds)),
        reason: row.reason,
      })),
    oldestWaitingSeconds: first?.oldest === null || first?.oldest === undefined ? null : Number(first.oldest),
    nowMs: Number(first?.now_ms ?? Date.now()),
  };
}
