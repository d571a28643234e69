import { sql } from "drizzle-orm";
import type { QueueScope } from "./scope.js";

/** The queue's pause flag; a queue with no settings row is not paused. */
export async function readPaused(scope: QueueScope): Promise<boolean> {
  const { run, table, queueName } = scope;
  const rows = await run<{ paused: boolean }>(
    sql`SELECT paused FROM ${table.settings} WHERE queue_name = ${queueName}`,
  );
  return rows[0]?.paused ?? false;
}

/** Stores the pause flag in one upsert, so two writers at once leave the last one's value. */
export async function writePaused(scope: QueueScope, paused: boolean): Promise<void> {
  const { run, table, queueName } = scope;
  await run(
    sql`
      INSERT INTO ${table.settings} (queue_name, paused, updated_at) VALUES (${queueName}, ${paused}, now())
      ON CONFLICT (queue_name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()`,
  );
}
