import type { ControllerStatus, ControllerStatusReport } from "@task-queue/queue-core";
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

/**
 * Stores the controller's status in one upsert (the pause flag and its updated_at stay as they are); the tick time
 * is the database's now(), so every reader measures its age by one clock.
 */
export async function writeControllerStatus(
  scope: QueueScope,
  report: ControllerStatusReport,
): Promise<void> {
  const { run, table, queueName } = scope;
  await run(
    sql`
      INSERT INTO ${table.settings} (queue_name, controller_tick_at, controller_identity, controller_leader,
        controller_paused, controller_period_seconds)
      VALUES (${queueName}, now(), ${report.identity}, ${report.leader}, ${report.paused}, ${report.periodSeconds})
      ON CONFLICT (queue_name) DO UPDATE SET controller_tick_at = EXCLUDED.controller_tick_at,
        controller_identity = EXCLUDED.controller_identity, controller_leader = EXCLUDED.controller_leader,
        controller_paused = EXCLUDED.controller_paused, controller_period_seconds = EXCLUDED.controller_period_seconds`,
  );
}

/** The last controller status with its age by the database's clock; null when none was recorded. */
export async function readControllerStatus(scope: QueueScope): Promise<ControllerStatus | null> {
  const { run, table, queueName } = scope;
  const rows = await run<{
    tick_ms: number;
    age_seconds: number;
    identity: string;
    leader: boolean;
    paused: boolean;
    period_seconds: number;
  }>(
    sql`
      SELECT (extract(epoch FROM controller_tick_at) * 1000)::float8 AS tick_ms,
        extract(epoch FROM now() - controller_tick_at)::float8 AS age_seconds,
        controller_identity AS identity, controller_leader AS leader, controller_paused AS paused,
        controller_period_seconds AS period_seconds
      FROM ${table.settings} WHERE queue_name = ${queueName} AND controller_tick_at IS NOT NULL`,
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    lastTickAt: new Date(Number(row.tick_ms)),
    ageSeconds: Math.max(0, Number(row.age_seconds)),
    identity: row.identity,
    leader: row.leader,
    paused: row.paused,
    periodSeconds: Number(row.period_seconds),
  };
}
