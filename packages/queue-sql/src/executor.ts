import { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import { queryRows, type SqlDatabase } from "./database.js";

/** Runs one statement and returns its rows. */
export type Execute = <Row>(statement: SQL) => Promise<Row[]>;

const dialect = new PgDialect();

export function isPostgresJs(value: unknown): value is Sql {
  return (
    typeof value === "function" &&
    typeof (value as Partial<Sql>).unsafe === "function" &&
    typeof (value as Partial<Sql>).begin === "function"
  );
}

/**
 * The fastest way to run statements on a database. drizzle builds every statement (its `sql` template gives
 * parameters and quoting), but its execute() runs them unprepared and adds a layer per call: on a server that
 * halved the drain throughput. So, on the database's own client, statements are compiled by drizzle's dialect and
 * run by the driver directly — postgres.js as named prepared statements (unless the client was created with
 * prepare: false, e.g. behind PgBouncer), PGlite through query(). A transaction's `tx` has no client of its own
 * and goes through drizzle, which keeps every statement on the transaction's connection.
 */
export function executorFor(db: SqlDatabase): Execute {
  const client: unknown = (db as { $client?: unknown }).$client;
  if (client instanceof PGlite) {
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
