/**
 * `@task-queue/queue-events/sql`: the event store in a PostgreSQL table (server or PGlite), on a queue-sql database.
 * Its own entry point, so that the in-memory store never loads queue-sql.
 * @packageDocumentation
 */
export type { EventDatabase } from "./database.js";
export { migrateEventStore } from "./migrate.js";
export { SqlEventStore, type SqlEventStoreOptions } from "./sql-event-store.js";
export { DEFAULT_EVENTS_TABLE } from "./table-name.js";
