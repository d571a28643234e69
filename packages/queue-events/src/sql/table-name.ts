import { InvalidArgument } from "@task-queue/queue-core";

// Index names are the table name plus a suffix of up to 14 characters, and PostgreSQL cuts names at 63.
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** Table names are interpolated into DDL, so only plain lower-case identifiers are accepted. */
export function assertTableName(name: string): void {
  if (!TABLE_NAME.test(name)) {
    throw new InvalidArgument(
      "table",
      `must be 1 to 48 characters of a-z, 0-9 and _, not starting with a digit, got ${JSON.stringify(name)}`,
    );
  }
}
