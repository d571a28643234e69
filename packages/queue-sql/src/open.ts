import {
  assertQueueName,
  type BodyLimits,
  InvalidArgument,
  type QueueNamespace,
} from "@task-queue/queue-core";
import { type ConnectionOptions, type OpenedDatabase, openDatabase } from "./connection.js";
import { translateErrors } from "./database-errors.js";
import { executorFor } from "./executor.js";
import { migrateQueueTable } from "./migrate.js";
import { DEFAULT_TABLE_NAME } from "./schema.js";
import { distinctQueueNames } from "./sql/list-queues.js";
import { SqlQueue } from "./sql-queue.js";
import { type QueueTable, queueTable } from "./table.js";

export interface SqlNamespaceOptions extends ConnectionOptions, BodyLimits {
  /** The table holding the queues (default task_queue_items): lower-case letters, digits and '_'. */
  tableName?: string;
  /** Run migrate() while opening (default true). Set false when the schema is managed separately. */
  migrate?: boolean;
}

export interface SqlQueueOptions extends SqlNamespaceOptions {
  /** The queue's name within the table (default "default"). */
  queueName?: string;
}

async function openTable(
  options: SqlNamespaceOptions,
): Promise<{ opened: OpenedDatabase; table: QueueTable; limits: BodyLimits }> {
  const table = queueTable(options.tableName ?? DEFAULT_TABLE_NAME);
  const limits: BodyLimits = {
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
  };
  const opened = openDatabase(options);
  if (options.migrate ?? true) {
    try {
      await translateErrors(() => migrateQueueTable(opened.db, table.name));
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  return { opened, table, limits };
}

/**
 * Opens a SqlQueue: PGlite in memory by default, `pglite://<dir>` or `{ pglite: { dataDir } }` for an embedded
 * database kept on disk, `postgres://…` for a server, or an existing postgres.js / PGlite / drizzle instance.
 * Applies the migrations unless `migrate: false`.
 */
export async function openSqlQueue(options: SqlQueueOptions = {}): Promise<SqlQueue> {
  const queueName = options.queueName ?? "default";
  assertQueueName(queueName);
  const { opened, table, limits } = await openTable(options);
  return new SqlQueue({
    db: opened.db,
    driver: opened.driver,
    table,
    queueName,
    connectionLabel: opened.label,
    limits,
    closeConnection: opened.close,
  });
}

/** Many named queues in one table over one shared connection. */
export class SqlQueueNamespace implements QueueNamespace {
  private readonly opened: OpenedDatabase;
  private readonly table: QueueTable;
  private readonly limits: BodyLimits;
  private closed = false;

  private constructor(opened: OpenedDatabase, table: QueueTable, limits: BodyLimits) {
    this.opened = opened;
    this.table = table;
    this.limits = limits;
  }

  /** Opens the connection (and migrates, unless `migrate: false`); options as for openSqlQueue. */
  static async open(options: SqlNamespaceOptions = {}): Promise<SqlQueueNamespace> {
    const { opened, table, limits } = await openTable(options);
    return new SqlQueueNamespace(opened, table, limits);
  }

  /** A handle on one queue; it shares the namespace's connection, so closing it closes nothing. */
  queue(name: string): SqlQueue {
    if (this.closed) throw new InvalidArgument("namespace", "is closed");
    assertQueueName(name);
    return new SqlQueue({
      db: this.opened.db,
      driver: this.opened.driver,
      table: this.table,
      queueName: name,
      connectionLabel: this.opened.label,
      limits: this.limits,
    });
  }

  /** Names of the queues that hold at least one item, sorted. */
  async listQueues(): Promise<string[]> {
    return translateErrors(() => distinctQueueNames(executorFor(this.opened.db), this.table));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opened.close();
  }
}
