import type { QueueItemStage } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import type { QueueScope } from "./scope.js";

/**
 * Ids in one stage in byte order (item_id is COLLATE "C"), after `cursor` when given, at most `limit` of them
 * (every one when limit is null), only those starting with `prefix` when it is not "" (the range condition lets the
 * index find the first one). Keyset paging: a page costs the same however deep it is.
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
  const rows = await run<{ item_id: string }>(
    sql`
      SELECT item_id FROM ${table.table}
      WHERE queue_name = ${queueName} AND stage = ${stage}${after}${starting}
      ORDER BY item_id${bound}`,
  );
  return rows.map((row) => row.item_id);
}
