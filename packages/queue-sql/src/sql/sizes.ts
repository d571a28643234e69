import { emptySizes, type QueueItemStage, type StageSizes, stageName } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import type { QueueScope } from "./scope.js";

/** Items per stage in one GROUP BY (an index-only scan of the stage index). */
export async function countByStage(scope: QueueScope): Promise<StageSizes> {
  const { run, table, queueName } = scope;
  const rows = await run<{ stage: QueueItemStage; count: string | number | bigint }>(
    sql`SELECT stage, count(*) AS count FROM ${table.table} WHERE queue_name = ${queueName} GROUP BY stage`,
  );
  const sizes = emptySizes();
  for (const row of rows) sizes[stageName(row.stage)] = Number(row.count);
  return sizes;
}

/** Items in one stage. */
export async function countStage(scope: QueueScope, stage: QueueItemStage): Promise<number> {
  const { run, table, queueName } = scope;
  const [row] = await run<{ count: string | number | bigint }>(
    sql`SELECT count(*) AS count FROM ${table.table} WHERE queue_name = ${queueName} AND stage = ${stage}`,
  );
  return Number(row?.count ?? 0);
}
