import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/**
 * A drizzle PostgreSQL database: what drizzle-orm/postgres-js and drizzle-orm/pglite return, and the `tx` of their
 * transactions. Every SqlQueue statement runs through one of these.
 */
export type SqlDatabase = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/**
 * Runs a statement and returns its rows. postgres.js answers with an array of rows and PGlite with { rows }; this is
 * the one place that knows.
 */
export async function queryRows<Row>(db: SqlDatabase, statement: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(statement);
  if (Array.isArray(result)) return result as Row[];
  return (result as { rows: Row[] }).rows;
}
