import type { Logger } from "@task-queue/queue-core";
import { InMemoryLeaderElection, type LeaderElection } from "@task-queue/queue-core";
import { S3LeaderElection } from "@task-queue/queue-s3";
import { PostgresLeaderElection } from "@task-queue/queue-sql/postgres";
import type { Settings } from "../config/schema.js";
import { s3Connection } from "./s3.js";
import { sqlConnectionString } from "./sql-connection.js";

/**
 * Who may run the controller of the configured queue: on PostgreSQL a session advisory lock, on S3 a lease object
 * that expires 2 × PERIODIC_SECONDS after its last renewal; an in-memory queue or a PGlite database lives in one
 * process, so `scope` (that process's queues) is all there is to contend for.
 */
export function createLeaderElection(settings: Settings, scope: object, logger: Logger): LeaderElection {
  const periodMs = settings.periodic_seconds * 1000;
  if (settings.queue_implementation === "s3-json") {
    return new S3LeaderElection({
      ...s3Connection(settings, logger),
      queueName: settings.sql_queue_name,
      leaseMs: 2 * periodMs,
    });
  }
  if (settings.queue_implementation === "sql-json") {
    const connection = sqlConnectionString(settings);
    if (/^postgres(ql)?:\/\//.test(connection)) {
      return new PostgresLeaderElection({
        connection,
        tableName: settings.sql_queue_table,
        queueName: settings.sql_queue_name,
        // A statement slower than a period (at least 2 s) counts as a lost connection.
        timeoutMs: Math.max(2_000, periodMs),
      });
    }
  }
  return new InMemoryLeaderElection(scope);
}
