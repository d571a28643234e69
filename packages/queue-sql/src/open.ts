import {
  assertQueueName,
  type BodyLimits,
  InvalidArgument,
  type LifecycleSettings,
  QueueItemStage,
  type QueueNamespace,
  type QueueObserver,
  type ReportsRescues,
  RescueObservers,
  type RescueResult,
  resolveLifecycle,
} from "@task-queue/queue-core";
import { announcerFor } from "./announcer.js";
import { SqlCallbackOutbox } from "./callback-outbox.js";
import { clientOf, isPostgresJs } from "./clients.js";
import { type ConnectionOptions, type OpenedDatabase, openDatabase } from "./connection.js";
import { endUpkeep, type SqlQueueContext } from "./context.js";
import { translateErrors } from "./database-errors.js";
import { executorFor } from "./executor.js";
import { migrateQueueTable } from "./migrate.js";
import { notifierFor } from "./notifier.js";
import { distinctQueueNames } from "./sql/list-queues.js";
import { rescueTable } from "./sql/rescue.js";
import { SqlQueue } from "./sql-queue.js";
import { statisticsKeeper } from "./statistics.js";
import { type QueueTable, queueTable } from "./table.js";
import { DEFAULT_TABLE_NAME } from "./table-name.js";
import { vacuumKeeper } from "./vacuum.js";

export interface SqlNamespaceOptions extends ConnectionOptions, BodyLimits {
  /** The table holding the queues (default task_queue_items): lower-case letters, digits and '_'. */
  tableName?: string;
  /** Run migrate() while opening (default true). Set false when the schema is managed separately. */
  migrate?: boolean;
  /** Queue-level lifecycle defaults: max attempts of items put without their own, and the retry backoff. */
  lifecycle?: Partial<LifecycleSettings>;
}

export interface SqlQueueOptions extends SqlNamespaceOptions {
  /** The queue's name within the table (default "default"). */
  queueName?: string;
}

/** What every queue of a table shares: the database, the table, limits, lifecycle, notifier and statistics. */
type SharedContext = Omit<SqlQueueContext, "queueName" | "closeConnection">;

async function openTable(
  options: SqlNamespaceOptions,
): Promise<{ opened: OpenedDatabase; shared: SharedContext }> {
  const table = queueTable(options.tableName ?? DEFAULT_TABLE_NAME);
  const lifecycle = resolveLifecycle(options.lifecycle);
  const limits: BodyLimits = {
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
  };
  const opened = await openDatabase(options);
  if (options.migrate ?? true) {
    try {
      await translateErrors(() => migrateQueueTable(opened.db, table.name));
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  const client = clientOf(opened.db);
  // Upkeep that runs statements of its own beside the callers' (PostgreSQL servers; PGlite runs one at a time).
  const run = executorFor(opened.db);
  const server = isPostgresJs(client)
    ? { vacuum: vacuumKeeper(client, run, table), announcer: announcerFor(client, run, table) }
    : {};
  const shared: SharedContext = {
    db: opened.db,
    driver: opened.driver,
    table,
    connectionLabel: opened.label,
    limits,
    lifecycle,
    notifier: notifierFor(opened.db, table),
    statistics: statisticsKeeper(typeof client === "object" && client !== null ? client : opened.db, table),
    ...server,
    rescueObservers: new RescueObservers(),
  };
  return { opened, shared };
}

/**
 * Opens a SqlQueue: PGlite in memory by default, `pglite://<dir>` or `{ pglite: { dataDir } }` for an embedded
 * database kept on disk, `postgres://…` for a server, or an existing postgres.js / PGlite / drizzle instance.
 * Applies the migrations unless `migrate: false`.
 */
export async function openSqlQueue(options: SqlQueueOptions = {}): Promise<SqlQueue> {
  const queueName = options.queueName ?? "default";
  assertQueueName(queueName);
  const { opened, shared } = await openTable(options);
  return new SqlQueue({ ...shared, queueName, closeConnection: opened.close });
}

/** Many named queues in one table over one shared connection (and one LISTEN for all their waiting gets). */
export class SqlQueueNamespace implements QueueNamespace, ReportsRescues {
  private readonly opened: OpenedDatabase;
  private readonly shared: SharedContext;
  private closed = false;
  /** Every queue's undelivered callbacks, for a CallbackDeliverer. */
  readonly callbackOutbox: SqlCallbackOutbox;

  private constructor(opened: OpenedDatabase, shared: SharedContext) {
    this.opened = opened;
    this.shared = shared;
    this.callbackOutbox = new SqlCallbackOutbox(opened.db, shared.table);
  }

  /** Opens the connection (and migrates, unless `migrate: false`); options as for openSqlQueue. */
  static async open(options: SqlNamespaceOptions = {}): Promise<SqlQueueNamespace> {
    const { opened, shared } = await openTable(options);
    return new SqlQueueNamespace(opened, shared);
  }

  observeRescues(observer: QueueObserver): void {
    this.shared.rescueObservers.add(observer);
  }

  private get table(): QueueTable {
    return this.shared.table;
  }

  /** A handle on one queue; it shares the namespace's connection, so closing it closes nothing. */
  queue(name: string): SqlQueue {
    if (this.closed) throw new InvalidArgument("namespace", "is closed");
    assertQueueName(name);
    return new SqlQueue({ ...this.shared, queueName: name });
  }

  /** Names of the queues that hold at least one item, sorted. */
  async listQueues(): Promise<string[]> {
    return translateErrors(() => distinctQueueNames(executorFor(this.opened.db), this.table));
  }

  /**
   * The sweep: every PROCESSING item of every queue in the table whose lease has expired becomes a failed attempt
   * ("lease expired"), in one statement. get already rescues its own queue's expired items, so correctness never
   * waits for this; a server or controller runs it periodically so sizes stay truthful for queues nobody reads.
   * Returns what happened per queue (queues with nothing expired are absent).
   */
  async rescueExpired(): Promise<Map<string, RescueResult>> {
    const rows = await translateErrors(() =>
      rescueTable(executorFor(this.opened.db), this.table, this.shared.lifecycle.backoff),
    );
    const byQueue = new Map<string, RescueResult>();
    for (const row of rows) {
      let result = byQueue.get(row.queue_name);
      if (!result) {
        result = { retried: [], failed: [] };
        byQueue.set(row.queue_name, result);
      }
      (row.stage === QueueItemStage.WAITING ? result.retried : result.failed).push(row.item_id);
    }
    for (const [queue, result] of byQueue) this.shared.rescueObservers.report(queue, result);
    return byQueue;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await endUpkeep(this.shared);
    await this.opened.close();
  }
}
