import { emptySizes, type QueueItemStage, type StageSizes, stageName } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import { type QueueScope, stageLiteral } from "./scope.js";

/**
 * Items per stage: the sum of the queue's rows in the counts table (migration 0006), which triggers keep exact in
 * the same transaction as every change to the items, so the cost does not grow with the number of items.
 */
export async function countByStage(scope: QueueScope): Promise<StageSizes> {
  const { run, table, queueName } = scope;
  const rows = await run<{ stage: QueueItemStage; count: string | number | bigint }>(
    sql`SELECT stage, sum(count) AS count FROM ${table.counts} WHERE queue_name = ${queueName} GROUP BY stage`,
  );
  const sizes = emptySizes();
  for (const row of rows) sizes[stageName(row.stage)] = Number(row.count);
  return sizes;
}

/**
 * The queue's items in one stage as an SQL expression (a scalar subquery of the counts table): exact in the snapshot
 * of the statement it is part of, since the counts change in the same transactions as the items.
 */
export function stageCount(scope: QueueScope, stage: QueueItemStage): SQL {
  const { table, queueName } = scope;
  return sql`(SELECT coalesce(sum(count), 0) FROM ${table.counts} WHERE queue_name = ${queueName} AND stage = ${stageLiteral(stage)})`;
}

/** Items in one stage (from the counts table, as countByStage). */
export async function countStage(scope: QueueScope, stage: QueueItemStage): Promise<number> {
  const [row] = await scope.run<{ count: string | number | bigint }>(
    sql`SELECT ${stageCount(scope, stage)} AS count`,
  );
  return Number(row?.count ?? 0);
}
