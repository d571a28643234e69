/**
 * A database a SqlQueue runs on: a drizzle-orm PostgreSQL database (drizzle-orm/postgres-js or drizzle-orm/pglite)
 * or the `tx` of one of its transactions. Declared by what every such database has, so that these public types do
 * not load drizzle-orm's (which do not compile with `skipLibCheck: false`). To run your own statements on it, take
 * drizzle's type back with drizzle's own guard: `if (is(db, PgDatabase)) await db.execute(sql\`…\`)`.
 */
export interface SqlDatabase {
  /** drizzle's execute; call it on drizzle's own type (see above). */
  execute(query: never): PromiseLike<unknown>;
  /** drizzle's transaction; call it on drizzle's own type (see above). */
  transaction(fn: never): PromiseLike<unknown>;
}
