import { QueueItemStage } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, STAGE, stageLiteral } from "./scope.js";
import { countByStage } from "./sizes.js";

/**
 * Ids in one stage in byte order (item_id is COLLATE "C"), after `cursor` when given, at most `limit` of them
 * (every one when limit is null), only those starting with `prefix` when it is not "" (the range condition lets the
 * index find the first one). Keyset paging: a page costs the same however deep it is.
 *
 * The stage index holds no WAITING rows (migration 0008: put's inserts skip it), so WAITING ids come one of two ways,
 * chosen from the queue's exact counts rather than left to the planner (its estimate of "this queue's WAITING rows"
 * multiplies two columns' statistics, and in a table shared by queues it can be off by the whole table): by the
 * primary key in id order, keeping the WAITING rows, which reads about limit × (queue's items / WAITING items)
 * entries; or every WAITING row of the queue from the ready index, sorted, which reads the WAITING items once. The
 * second is cheaper when waiting² < limit × items, so a page never reads more than about √(limit × items) rows.
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
  const rows =
    stage === QueueItemStage.WAITING && (await fewWaiting(scope, limit))
      ? await run<{ item_id: string }>(
          // The inner LIMIT is the exact count of the queue's WAITING rows in this statement's snapshot (the counts
          // change in the same transactions as the items): it takes them all, and makes the ready index's order the
          // plan's cheapest way to take them.
          sql`
            SELECT item_id FROM (
              SELECT item_id FROM ${table.table}
              WHERE queue_name = ${queueName} AND stage = ${STAGE.WAITING}
              ORDER BY priority DESC, ordering
              LIMIT (SELECT coalesce(sum(count), 0) FROM ${table.counts}
                WHERE queue_name = ${queueName} AND stage = ${STAGE.WAITING})
            ) AS waiting
            WHERE true${after}${starting}
            ORDER BY item_id${bound}`,
        )
      : await run<{ item_id: string }>(
          sql`
            SELECT item_id FROM ${table.table}
            WHERE queue_name = ${queueName} AND stage = ${stageLiteral(stage)}${after}${starting}
            ORDER BY item_id${bound}`,
        );
  return rows.map((row) => row.item_id);
}

/** Reading every WAITING row of the queue costs less than walking the primary key for `limit` of them (see above). */
async function fewWaiting(scope: QueueScope, limit: number | null): Promise<boolean> {
  if (limit === null) return true;
  const sizes = await countByStage(scope);
  const items = sizes.WAITING + sizes.PROCESSING + sizes.SUCCESS + sizes.FAIL;
  return sizes.WAITING * sizes.WAITING < limit * items;
}
