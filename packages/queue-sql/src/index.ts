export {
  type ConnectionOptions,
  redactConnectionString,
  type SqlConnection,
  type SqlDriver,
} from "./connection.js";
export type { SqlDatabase } from "./database.js";
export {
  advisoryLockKey,
  PostgresLeaderElection,
  type PostgresLeaderElectionOptions,
} from "./leader-election.js";
export { ForeignTableError, migrateQueueTable } from "./migrate.js";
export { openSqlQueue, type SqlNamespaceOptions, SqlQueueNamespace, type SqlQueueOptions } from "./open.js";
export { DEFAULT_TABLE_NAME } from "./schema.js";
export { SqlQueue, type SqlQueueContext } from "./sql-queue.js";
