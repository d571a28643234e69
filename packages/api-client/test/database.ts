import { randomBytes } from "node:crypto";
import postgres from "postgres";

const LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** The PostgreSQL server for the tests; never a silent skip (in CI an unset URL fails the run). */
export async function databaseUrl(): Promise<string> {
  const url = process.env.TEST_DATABASE_URL ?? (process.env.CI === "true" ? undefined : LOCAL_DATABASE_URL);
  if (url === undefined) throw new Error("TEST_DATABASE_URL is not set, and CI=true: the SQL tests need it");
  return url;
}

export const randomTableName = (): string => `tq_api_${randomBytes(5).toString("hex")}`;

/** Drops a queue table and what migrate() made next to it. */
export async function dropQueueTable(url: string, table: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`DROP TABLE IF EXISTS "${table}", "${table}_migrations"`);
    await sql.unsafe(`DROP SEQUENCE IF EXISTS "${table}_ordering_seq"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
