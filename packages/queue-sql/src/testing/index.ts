/**
 * `@task-queue/queue-sql/testing`: what every package's tests need to run against PostgreSQL — the one place the
 * test database is configured (TEST_DATABASE_URL), table names no other test uses, and cleanup.
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";
import { underCI } from "@task-queue/queue-core/testing";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { drizzleOf, type SqlDatabase } from "../database.js";
import { quoteIdentifier } from "../table.js";

/** The server the tests use when TEST_DATABASE_URL is unset, outside CI. */
const LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

let reachable: Promise<string> | undefined;

/**
 * The PostgreSQL server for the tests: TEST_DATABASE_URL, or outside CI the usual local server. Under CI an unset
 * variable fails the run, and an unreachable server fails it everywhere: the tests never skip silently. Checked
 * once per process.
 */
export function testDatabaseUrl(): Promise<string> {
  reachable ??= probe();
  return reachable;
}

async function probe(): Promise<string> {
  const configured = process.env.TEST_DATABASE_URL;
  const url = configured === undefined || configured === "" ? undefined : configured;
  if (url === undefined && underCI()) {
    throw new Error("TEST_DATABASE_URL is not set, and CI is: the PostgreSQL tests need it");
  }
  const chosen = url ?? LOCAL_DATABASE_URL;
  const client = postgres(chosen, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await client`SELECT 1`;
  } catch (error) {
    throw new Error(
      `the PostgreSQL server for the tests (TEST_DATABASE_URL) is unreachable: ${(error as Error).message}`,
    );
  } finally {
    await client.end({ timeout: 5 });
  }
  return chosen;
}

/** A table name no other test (in this or a concurrently running package) uses: `<prefix>_<10 hex digits>`. */
export function randomTableName(prefix = "tq_test"): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** Drops tables (and what depends on them) if they exist, on a drizzle database or at a connection string. */
export async function dropTables(target: string | SqlDatabase, ...tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  const statement = `DROP TABLE IF EXISTS ${tables.map(quoteIdentifier).join(", ")} CASCADE`;
  await run(target, [statement]);
}

/** Drops a queue table and everything its migrations made: settings, the callback outbox, the journal and the ordering sequence. */
export async function dropQueueTable(target: string | SqlDatabase, tableName: string): Promise<void> {
  const tables = [
    tableName,
    `${tableName}_settings`,
    `${tableName}_counts`,
    `${tableName}_callbacks`,
    `${tableName}_migrations`,
  ].map(quoteIdentifier);
  await run(target, [
    `DROP TABLE IF EXISTS ${tables.join(", ")} CASCADE`,
    `DROP FUNCTION IF EXISTS ${quoteIdentifier(`${tableName}_count_changes`)}()`,
    `DROP SEQUENCE IF EXISTS ${quoteIdentifier(`${tableName}_ordering_seq`)}`,
  ]);
}

async function run(target: string | SqlDatabase, statements: string[]): Promise<void> {
  if (typeof target !== "string") {
    for (const statement of statements) await drizzleOf(target).execute(sql.raw(statement));
    return;
  }
  const client = postgres(target, { max: 1, onnotice: () => {} });
  try {
    for (const statement of statements) await client.unsafe(statement);
  } finally {
    await client.end({ timeout: 5 });
  }
}

export { type PrivatePostgres, startPrivatePostgres } from "./private-postgres.js";
