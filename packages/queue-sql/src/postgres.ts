/**
 * `@task-queue/queue-sql/postgres`: the PostgreSQL server driver (postgres.js, an optional peer dependency: install
 * `postgres` to use it) — a database on your own postgres.js client, and leader election.
 * @packageDocumentation
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { type OpenedDatabase, redactConnectionString } from "./connection.js";
import type { SqlDatabase } from "./sql-database.js";

/** A database on your own postgres.js client, as `connection` of openSqlQueue / SqlQueueNamespace.open; never closed by the queue. */
export function postgresDatabase(client: Sql): SqlDatabase {
  return drizzle(client);
}

/**
 * Opens a pool for a `postgres://` connection string (openDatabase loads this module only then).
 * @internal
 */
export function openPostgres(connection: string, poolSize: number): OpenedDatabase {
  // Notices (e.g. "relation already exists, skipping") are not worth a console line each.
  const client = postgres(connection, { max: poolSize, onnotice: () => {} });
  return {
    db: drizzle(client),
    driver: "postgres",
    label: redactConnectionString(connection),
    close: () => client.end({ timeout: 5 }),
  };
}

export {
  advisoryLockKey,
  PostgresLeaderElection,
  type PostgresLeaderElectionOptions,
} from "./leader-election.js";
