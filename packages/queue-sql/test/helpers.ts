import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import type { SqlDatabase } from "../src/index.js";

const LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A table name no other test file (or concurrently running package) uses. */
export function randomTableName(prefix = "tq_test"): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/**
 * The PostgreSQL server the server tests run against. In CI a missing or unreachable server fails the run;
 * locally it falls back to the usual local server (and fails the same way if that is down: never a silent skip).
 */
export async function serverUrl(): Promise<string> {
  const url = process.env.TEST_DATABASE_URL ?? (process.env.CI === "true" ? undefined : LOCAL_DATABASE_URL);
  if (url === undefined)
    throw new Error("TEST_DATABASE_URL is not set, and CI=true: the server tests need it");
  const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await probe`SELECT 1`;
  } catch (error) {
    throw new Error(`the PostgreSQL server for the tests is unreachable: ${(error as Error).message}`);
  } finally {
    await probe.end({ timeout: 5 });
  }
  return url;
}

/** Drops a queue table and everything migrate() made for it. */
export async function dropQueueTable(db: SqlDatabase, tableName: string): Promise<void> {
  await db.execute(sql.raw(`DROP TABLE IF EXISTS "${tableName}", "${tableName}_migrations"`));
  await db.execute(sql.raw(`DROP SEQUENCE IF EXISTS "${tableName}_ordering_seq"`));
}
