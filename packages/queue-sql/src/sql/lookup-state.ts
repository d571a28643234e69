import { QueueItemStage, stageName } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import { type QueueScope, stageLiteral } from "./scope.js";
import { countByStage, stageCount } from "./sizes.js";

/**
 * The stages the stage index leaves out (migration 0008: put's inserts and success's updates skip it), each with the
 * order of the partial index that holds its rows instead: the ready index for WAITING, the finished index for SUCCESS.
 */
const OUTSIDE_STAGE_INDEX: ReadonlyMap<QueueItemStage, SQL> = new Map([
  [QueueItemStage.WAITING, sql`priority DESC, ordering`],
  [QueueItemStage.SUCCESS, sql`updated_at`],
]);

/**
 * Ids in one stage in byte order (item_id is COLLATE "C"), after `cursor` when given, at most `limit` of them
 * (every one when limit is null), only those starting with `prefix` when it is not "" (the range condition lets the
 * index find the first one). Keyset paging: a page costs the same however deep it is.
 *
 * PROCESSING and FAIL come from the stage index. WAITING and SUCCESS come one of two ways, chosen from the queue's
 * exact counts rather than left to the planner (its estimate of "this queue's rows in this stage" multiplies two
 * columns' statistics, and in a table shared by queues it can be off by the whole table): by the primary key in id
 * order, keeping the stage's rows, which reads about limit × (queue's items / items in the stage) entries; or every
 * row of the stage from its own index, sorted, which reads the stage's items once. The second is cheaper when
 * in-stage² < limit × items, so a page never reads more than about √(limit × items) rows (with no limit: when the
 * stage holds under half of the queue's items).
 */
export async function idsInStage(
  scope: QueueScope,
  stage: QueueItemStage,
  cursor: string | null,
  limit: number | null,
  prefix = "",
): Promise<string[]> {
  const { run, table, queueName } = scope;
  const after = cursor === null ? sql`` : sql` AND item_id > ${cursor}`;
  const starting = prefix === "" ? sql`` : sql` AND item_id >= ${prefix} AND starts_with(item_id, ${prefix})`;
  const bound = limit === null ? sql`` : sql` LIMIT ${limit}`;
  const inStage = stageLiteral(stage);
  const ownOrder = OUTSIDE_STAGE_INDEX.get(stage);
  const rows =
    ownOrder !== undefined && (await fewInStage(scope, stage, limit))
      ? await run<{ item_id: string }>(
          // The inner LIMIT is the exact count of the queue's rows in the stage in this statement's snapshot: it
          // takes them all, and makes the stage's own index, in its order, the plan's cheapest way to take them.
          sql`
            SELECT item_id FROM (
              SELECT item_id FROM ${table.table}
              WHERE queue_name = ${queueName} AND stage = ${inStage}
              ORDER BY ${ownOrder}
              LIMIT ${stageCount(scope, stage)}
            ) AS in_stage
            WHERE true${after}${starting}
            ORDER BY item_id${bound}`,
        )
      : await run<{ item_id: string }>(
          sql`
            SELECT item_id FROM ${table.table}
            WHERE queue_name = ${queueName} AND stage = ${inStage}${after}${starting}
            ORDER BY item_id${bound}`,
        );
  return rows.map((row) => row.item_id);
}

/** Reading every row of the stage costs less than walking the primary key for `limit` of them (see above). */
async function fewInStage(scope: QueueScope, stage: QueueItemStage, limit: number | null): Promise<boolean> {
  const sizes = await countByStage(scope);
  const items = sizes.WAITING + sizes.PROCESSING + sizes.SUCCESS + sizes.FAIL;
  const inStage = sizes[stageName(stage)];
  // Every id of the stage: sorting them beats reading the whole queue in id order while they are under half of it.
  if (limit === null) return 2 * inStage < items;
  return inStage * inStage < limit * items;
}
