export {
  type ConnectionOptions,
  redactConnectionString,
  type SqlConnection,
  type SqlDriver,
} from "./connection.js";
export { ForeignTableError, migrateQueueTable } from "./migrate.js";
export { openSqlQueue, type SqlNamespaceOptions, SqlQueueNamespace, type SqlQueueOptions } from "./open.js";
export type { SqlDatabase } from "./sql-database.js";
export { SqlQueue } from "./sql-queue.js";
export { DEFAULT_TABLE_NAME } from "./table-name.js";
