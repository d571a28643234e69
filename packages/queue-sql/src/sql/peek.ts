import type { JsonValue } from "@task-queue/queue-core";
import { sql } from "drizzle-orm";
import { type QueueScope, STAGE } from "./scope.js";

/** The items get(n) would take next, in its order (the ready index), moving and locking nothing. */
export async function peekWaiting(scope: QueueScope, n: number): Promise<Array<[string, JsonValue]>> {
  const { run, table, queueName } = scope;
  const rows = await run<{ item_id: string; body: JsonValue }>(
    sql`
      SELECT item_id, body FROM ${table.table}
      WHERE queue_name = ${queueName} AND stage = ${STAGE.WAITING} AND (run_after IS NULL OR run_after <= now())
      ORDER BY priority DESC, ordering
      LIMIT ${n}`,
  );
  return rows.map((row) => [row.item_id, row.body]);
}
