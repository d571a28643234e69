import { QueueItemStage } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import type { Execute } from "../executor.js";
import type { QueueTable } from "../table.js";

/** Where a statement runs: how to execute it (on a database or transaction), a queue table, and one queue's name. */
export interface QueueScope {
  run: Execute;
  table: QueueTable;
  queueName: string;
}

/**
 * Stages as SQL literals, not parameters, so the planner matches the partial index `WHERE stage = 0` and
 * plans each statement for its stage.
 */
export const STAGE: Record<keyof typeof QueueItemStage, SQL> = {
  WAITING: sql.raw(String(QueueItemStage.WAITING)),
  PROCESSING: sql.raw(String(QueueItemStage.PROCESSING)),
  SUCCESS: sql.raw(String(QueueItemStage.SUCCESS)),
  FAIL: sql.raw(String(QueueItemStage.FAIL)),
};

/** A list bound as one array parameter (drizzle would otherwise expand it into one parameter per element). */
export function textArray(values: readonly string[]): SQL {
  return sql`${sql.param(values)}::text[]`;
}
