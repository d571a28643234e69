import { fillPlaceholders, type Query, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { clientOf, isPglite, isPostgresJs } from "./clients.js";
import { type DrizzleDatabase, queryRows } from "./database.js";

/**
 * Runs one statement and returns its rows. `values` fill the statement's `sql.placeholder`s; only an executor whose
 * `placeholders` is true takes them (the driver paths; drizzle's transaction path does not).
 */
export type Execute = {
  <Row>(statement: SQL, values?: Record<string, unknown>): Promise<Row[]>;
  readonly placeholders?: boolean;
};

const dialect = new PgDialect();

/** Statements marked reusable, with their compiled text and parameters once compiled (null: not yet). */
const compiled = new WeakMap<SQL, Query | null>();

/**
 * Marks a statement that is built once and run many times, unchanged but for its placeholders' values: the executor
 * compiles it on its first run and reuses the text and parameters after (see keptStatement).
 */
export function reusable(statement: SQL): SQL {
  if (!compiled.has(statement)) compiled.set(statement, null);
  return statement;
}

function paramsOf(query: Query, values: Record<string, unknown> | undefined): unknown[] {
  return values === undefined ? query.params : fillPlaceholders(query.params, values);
}

function compile(statement: SQL): Query {
  const known = compiled.get(statement);
  if (known) return known;
  const query = dialect.sqlToQuery(statement);
  if (known === null) compiled.set(statement, query);
  return query;
}

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
    const run = async <Row>(statement: SQL, values?: Record<string, unknown>) => {
      const query = compile(statement);
      return (await client.query<Row>(query.sql, paramsOf(query, values))).rows;
    };
    return Object.assign(run, { placeholders: true });
  }
  if (isPostgresJs(client)) {
    const prepare = client.options.prepare !== false;
    const run = async <Row>(statement: SQL, values?: Record<string, unknown>) => {
      const query = compile(statement);
      return (await client.unsafe(query.sql, paramsOf(query, values) as never[], {
        prepare,
      })) as unknown as Row[];
    };
    return Object.assign(run, { placeholders: true });
  }
  return <Row>(statement: SQL) => queryRows<Row>(db, statement);
}
