import { InvalidArgument } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import { DEFAULT_TABLE_NAME } from "./table-name.js";

/** Longest table name: leaves room for the derived names (…_ordering_seq, …_migrations) within 63 bytes. */
export const MAX_TABLE_NAME_LENGTH = 48;
/** PostgreSQL cuts identifiers at 63 bytes. */
const MAX_IDENTIFIER_LENGTH = 63;
const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** The SQL names of one queue table, checked once and quoted, ready to splice into statements. */
export interface QueueTable {
  name: string;
  /** The table, as a quoted identifier. */
  table: SQL;
  /** The table of per-queue settings (the pause flag), as a quoted identifier. */
  settings: SQL;
  /** The table of item counts per queue and stage (kept by triggers), as a quoted identifier. */
  counts: SQL;
  /** The callback outbox (completion callbacks waiting for delivery), as a quoted identifier. */
  callbacks: SQL;
  /** nextval() of the table's ordering sequence. */
  nextOrdering: SQL;
  /** The LISTEN/NOTIFY channel that announces work in the table's queues (the payload is the queue name). */
  channel: string;
}

/**
 * Table names are spliced into DDL, so only plain lower-case identifiers are accepted. `option` is the name of the
 * caller's option the value came from (`tableName` for SqlQueue, `table` for SqlEventStore), named in the error.
 */
export function assertTableName(
  name: unknown,
  option = "tableName",
  maxLength = MAX_TABLE_NAME_LENGTH,
): asserts name is string {
  if (typeof name !== "string" || !TABLE_NAME.test(name) || name.length > maxLength) {
    throw new InvalidArgument(
      option,
      `must be lower-case letters, digits and '_' (not starting with a digit), at most ${maxLength} characters, got ${JSON.stringify(name)}`,
    );
  }
}

/** Checks a name derived from a table name (a journal, an index) the way table names are checked, up to 63 bytes. */
export function assertIdentifier(name: unknown, option: string): asserts name is string {
  assertTableName(name, option, MAX_IDENTIFIER_LENGTH);
}

/** Double-quotes an identifier, doubling any quote inside it. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function queueTable(name: string = DEFAULT_TABLE_NAME): QueueTable {
  assertTableName(name);
  const sequence = quoteIdentifier(`${name}_ordering_seq`);
  return {
    name,
    table: sql.raw(quoteIdentifier(name)),
    settings: sql.raw(quoteIdentifier(`${name}_settings`)),
    callbacks: sql.raw(quoteIdentifier(`${name}_callbacks`)),
    counts: sql.raw(quoteIdentifier(`${name}_counts`)),
    // The name is checked above (no quote can reach the literal); the regclass is resolved by the server.
    nextOrdering: sql.raw(`nextval('${sequence}')`),
    channel: `${name}_work`,
  };
}

/**
 * Turns drizzle-kit DDL written for the table `defaultName` into the DDL for `name`: every object named after the
 * table (indexes, sequences, constraints) is renamed with it.
 */
export function renameDdl(ddl: string, defaultName: string, name: string, option = "tableName"): string {
  assertTableName(name, option);
  // Objects follow the connection's search_path, like the table itself, rather than a hard-coded "public".
  return ddl.replaceAll('"public".', "").replaceAll(defaultName, name);
}
