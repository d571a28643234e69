import type { JsonValue } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, STAGE } from "./scope.js";

/** The first n WAITING items, oldest first, moving nothing. */
export async function peekWaiting(scope: QueueScope, n: number): Promise<Array<[string, JsonValue]>> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string; body: JsonValue }>(
    sql`
      SELECT item_id, body FROM ${table.table}
      WHERE queue_name = ${queueName} AND stage = ${STAGE.WAITING}
      ORDER BY ordering
      LIMIT ${n}`,
  );
  return rows.map((row) => [row.item_id, row.body]);
}
