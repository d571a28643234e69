import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** PostgreSQL for the server tests; in CI a missing server fails the run, never skips it. */
export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A table name no other test (running at the same time) uses. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** Drops a SqlQueue table and what its migrations created with it. */
export async function dropQueueTable(table: string): Promise<void> {
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`DROP TABLE IF EXISTS "${table}", "${table}_migrations" CASCADE`);
    await sql.unsafe(`DROP SEQUENCE IF EXISTS "${table}_ordering_seq"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Fails loudly when the database cannot be reached (the tests must not pass without it). */
export async function assertDatabaseReachable(): Promise<void> {
  const sql = postgres(DATABASE_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    throw new Error(`PostgreSQL at TEST_DATABASE_URL is not reachable: ${(error as Error).message}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
