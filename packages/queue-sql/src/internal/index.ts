/**
 * `@task-queue/queue-sql/internal`: the SQL plumbing other task-queue packages (queue-events) build on — migrations,
 * error translation, identifier checks, array parameters. Not part of the public API: it may change in any release.
 * @packageDocumentation
 */
export { type DrizzleDatabase, drizzleOf, queryRows } from "../database.js";
export { translateErrors } from "../database-errors.js";
export {
  type ApplyMigrationsOptions,
  applyMigrations,
  type Migration,
  readMigrationFolder,
} from "../migrate.js";
export type { ChangeRecorder } from "../sql/record.js";
export { jsonDocuments, textArray } from "../sql/scope.js";
export { assertTableName, MAX_TABLE_NAME_LENGTH, quoteIdentifier, renameDdl } from "../table.js";
