import { emptySizes, type QueueItemStage, type StageSizes, stageName } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import type { QueueScope } from "./scope.js";

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

/** Items in one stage (from the counts table, as countByStage). */
export async function countStage(scope: QueueScope, stage: QueueItemStage): Promise<number> {
  const { run, table, queueName } = scope;
  const [row] = await run<{ count: string | number | bigint | null }>(
    sql`SELECT sum(count) AS count FROM ${table.counts} WHERE queue_name = ${queueName} AND stage = ${stage}`,
  );
  return Number(row?.count ?? 0);
}
