import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { EventDatabase } from "../../src/index.js";

export interface TestDatabase {
  label: string;
  db: EventDatabase;
  close(): Promise<void>;
}

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A table name no other test file uses at the same time (packages test concurrently on one database). */
export function randomTableName(prefix = "events_test"): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export async function openPglite(): Promise<TestDatabase> {
  const client = new PGlite();
  return { label: "PGlite", db: drizzlePglite(client), close: () => client.close() };
}

/**
 * PostgreSQL at TEST_DATABASE_URL (locally, the usual local server when unset). An unset URL under CI=true or an
 * unreachable server fails the test run, never skips it.
 */
export async function openPostgres(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL || (process.env.CI === "true" ? undefined : DEFAULT_URL);
  if (url === undefined)
    throw new Error("TEST_DATABASE_URL is not set, and CI=true: the server tests need it");
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const db = drizzlePostgres(client);
  try {
    await db.execute(sql`select 1`);
  } catch (error) {
    await client.end();
    throw new Error(`the PostgreSQL server for the tests is unreachable: ${(error as Error).message}`);
  }
  return { label: "PostgreSQL", db, close: () => client.end() };
}

export const databases: Array<{ label: string; open: () => Promise<TestDatabase> }> = [
  { label: "PGlite", open: openPglite },
  { label: "PostgreSQL", open: openPostgres },
];

/** Drops an events table and its migration ledger. */
export async function dropEventTables(db: EventDatabase, table: string): Promise<void> {
  await db.execute(sql.raw(`drop table if exists "${table}", "${table}_migrations"`));
}
