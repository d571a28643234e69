export {
  type ConnectionOptions,
  redactConnectionString,
  type SqlConnection,
  type SqlDriver,
} from "./connection.js";
export { queryRows, type SqlDatabase } from "./database.js";
export {
  advisoryLockKey,
  PostgresLeaderElection,
  type PostgresLeaderElectionOptions,
} from "./leader-election.js";
export {
  type ApplyMigrationsOptions,
  applyMigrations,
  type Migration,
  migrateQueueTable,
  queueMigrations,
  readMigrationFolder,
} from "./migrate.js";
export { openSqlQueue, type SqlNamespaceOptions, SqlQueueNamespace, type SqlQueueOptions } from "./open.js";
export { DEFAULT_TABLE_NAME, taskQueueItems } from "./schema.js";
export { SqlQueue, type SqlQueueContext } from "./sql-queue.js";
export { assertTableName, quoteIdentifier } from "./table.js";
