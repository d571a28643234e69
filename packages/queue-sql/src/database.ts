import { InvalidArgument } from "@task-queue/queue-core";
import { is, type SQL } from "drizzle-orm";
import { PgDatabase, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { SqlDatabase } from "./sql-database.js";

export type { SqlDatabase } from "./sql-database.js";

/** drizzle's PostgreSQL database, as the statements use it (never in a public type: drizzle's own types are not clean). */
export type DrizzleDatabase = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/** The drizzle database behind a SqlDatabase; anything else is refused. */
export function drizzleOf(db: SqlDatabase, argument = "database"): DrizzleDatabase {
  if (is(db, PgDatabase)) return db;
  throw new InvalidArgument(
    argument,
    "must be a drizzle-orm PostgreSQL database (or one of its transactions)",
  );
}

/**
 * Runs a statement and returns its rows. postgres.js answers with an array of rows and PGlite with { rows }; this is
 * the one place that knows.
 */
export async function queryRows<Row>(db: SqlDatabase, statement: SQL): Promise<Row[]> {
  const result: unknown = await drizzleOf(db).execute(statement);
  if (Array.isArray(result)) return result as Row[];
  return (result as { rows: Row[] }).rows;
}
