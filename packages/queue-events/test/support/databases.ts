import { PGlite } from "@electric-sql/pglite";
import type { DrizzleDatabase } from "@task-queue/queue-sql/internal";
import { dropTables, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";

export { randomTableName } from "@task-queue/queue-sql/testing";

export interface TestDatabase {
  label: string;
  db: DrizzleDatabase;
  close(): Promise<void>;
}

export async function openPglite(): Promise<TestDatabase> {
  const client = new PGlite();
  return { label: "PGlite", db: drizzlePglite(client), close: () => client.close() };
}

/** PostgreSQL at the tests' database (queue-sql/testing: TEST_DATABASE_URL, never a silent skip). */
export async function openPostgres(): Promise<TestDatabase> {
  const client = postgres(await testDatabaseUrl(), { max: 10, onnotice: () => {} });
  return { label: "PostgreSQL", db: drizzlePostgres(client), close: () => client.end() };
}

export const databases: Array<{ label: string; open: () => Promise<TestDatabase> }> = [
  { label: "PGlite", open: openPglite },
  { label: "PostgreSQL", open: openPostgres },
];

/** Drops an events table and its migration journal. */
export function dropEventTables(db: DrizzleDatabase, table: string): Promise<void> {
  return dropTables(db, table, `${table}_migrations`);
}
