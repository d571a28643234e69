import type { BodyLimits, LifecycleSettings, RescueObservers } from "@task-queue/queue-core";
import type { WorkAnnouncer } from "./announcer.js";
import type { SqlDriver } from "./connection.js";
import type { DrizzleDatabase } from "./database.js";
import type { WorkNotifier } from "./notifier.js";
import type { ChangeRecorder } from "./sql/record.js";
import type { StatisticsKeeper } from "./statistics.js";
import type { QueueTable } from "./table.js";
import type { VacuumKeeper } from "./vacuum.js";

/**
 * Ends what a process keeps for a table on its client, before the connection closes: notifications still to send are
 * sent, the LISTEN ends, a VACUUM in flight is cancelled.
 */
export async function endUpkeep(
  context: Pick<SqlQueueContext, "announcer" | "notifier" | "vacuum">,
): Promise<void> {
  await context.announcer?.flushed();
  await context.notifier?.close();
  await context.vacuum?.stop();
}

/** Everything a SqlQueue runs on; built by openSqlQueue / SqlQueueNamespace. */
export interface SqlQueueContext {
  db: DrizzleDatabase;
  driver: SqlDriver;
  table: QueueTable;
  queueName: string;
  /** The connection as descriptions show it (password redacted). */
  connectionLabel: string;
  limits?: BodyLimits;
  /** Max attempts and backoff of items put without their own (resolved: see queue-core's resolveLifecycle). */
  lifecycle: LifecycleSettings;
  /** Wake-ups of waiting gets (LISTEN); absent: waiting gets poll. */
  notifier?: WorkNotifier;
  /**
   * Sends work notifications (put, retry, requeue, retryNow) after their statement has committed (PostgreSQL
   * servers); absent inside a transaction and on PGlite, where the statement itself notifies (on commit).
   */
  announcer?: WorkAnnouncer;
  /** Refreshes the table's statistics after large puts; absent inside a transaction. */
  statistics?: StatisticsKeeper;
  /** Vacuums the table after many claims (PostgreSQL servers); absent inside a transaction and on PGlite. */
  vacuum?: VacuumKeeper;
  /** Closes what this queue opened; absent when the connection belongs to someone else. */
  closeConnection?: () => Promise<void>;
  /** Who is told of rescues of expired leases: one for the table's queues, whichever handle rescued. */
  rescueObservers: RescueObservers;
  /** Writes down the changes of put, get, success, fail, requeue and rescueExpired inside their statements. */
  recorder?: ChangeRecorder;
}
