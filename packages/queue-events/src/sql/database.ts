import type { SqlDatabase } from "@task-queue/queue-sql";

/**
 * A drizzle PostgreSQL database or transaction, on any driver (postgres.js, PGlite): queue-sql's SqlDatabase, so a
 * SqlQueue's `database` and the `tx` of its transactions fit a SqlEventStore as they are.
 */
export type EventDatabase = SqlDatabase;
