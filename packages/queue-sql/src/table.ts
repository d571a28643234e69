import { InvalidArgument } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import { DEFAULT_TABLE_NAME } from "./schema.js";

/** Longest table name: leaves room for the derived names (…_ordering_seq, …_migrations) within 63 bytes. */
export const MAX_TABLE_NAME_LENGTH = 48;
const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** The SQL names of one queue table, checked once and quoted, ready to splice into statements. */
export interface QueueTable {
  name: string;
  /** The table, as a quoted identifier. */
  table: SQL;
  /** nextval() of the table's ordering sequence. */
  nextOrdering: SQL;
  /** The LISTEN/NOTIFY channel that announces work in the table's queues (the payload is the queue name). */
  channel: string;
}

export function assertTableName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !TABLE_NAME.test(name) || name.length > MAX_TABLE_NAME_LENGTH) {
    throw new InvalidArgument(
      "table_name",
      `must be lower-case letters, digits and '_' (not starting with a digit), at most ${MAX_TABLE_NAME_LENGTH} characters, got ${JSON.stringify(name)}`,
    );
  }
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
    // The name is checked above (no quote can reach the literal); the regclass is resolved by the server.
    nextOrdering: sql.raw(`nextval('${sequence}')`),
    channel: `${name}_work`,
  };
}

/** Turns the drizzle-kit DDL, written for the default table name, into the DDL for `name`. */
export function renameDdl(ddl: string, name: string): string {
  assertTableName(name);
  // Objects follow the connection's search_path, like the table itself, rather than a hard-coded "public".
  return ddl.replaceAll('"public".', "").replaceAll(DEFAULT_TABLE_NAME, name);
}
