import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { clientOf, isPglite, isPostgresJs } from "./clients.js";
import { type DrizzleDatabase, queryRows } from "./database.js";

/** Runs one statement and returns its rows. */
export type Execute = <Row>(statement: SQL) => Promise<Row[]>;

const dialect = new PgDialect();

/**
 * The fastest way to run statements on a database. drizzle builds every statement (its `sql` template gives
 * parameters and quoting), but its execute() runs them unprepared and adds a layer per call: on a server that
 * halved the drain throughput. So, on the database's own client, statements are compiled by drizzle's dialect and
 * run by the driver directly — postgres.js as named prepared statements (unless the client was created with
 * prepare: false, e.g. behind PgBouncer), PGlite through query(). A transaction's `tx` has no client of its own
 * and goes through drizzle, which keeps every statement on the transaction's connection.
 */
export function executorFor(db: DrizzleDatabase): Execute {
  const client = clientOf(db);
  if (isPglite(client)) {
    return async <Row>(statement: SQL) => {
      const query = dialect.sqlToQuery(statement);
      return (await client.query<Row>(query.sql, query.params)).rows;
    };
  }
  if (isPostgresJs(client)) {
    const prepare = client.options.prepare !== false;
    return async <Row>(statement: SQL) => {
      const query = dialect.sqlToQuery(statement);
      return (await client.unsafe(query.sql, query.params as never[], { prepare })) as unknown as Row[];
    };
  }
  return <Row>(statement: SQL) => queryRows<Row>(db, statement);
}
