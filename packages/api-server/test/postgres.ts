import { randomBytes } from "node:crypto";
import type { QueueNamespace } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";

const LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** The PostgreSQL server of the tests: TEST_DATABASE_URL; with CI=true a missing one fails, never skips. */
export function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? (process.env.CI === "true" ? undefined : LOCAL_DATABASE_URL);
  if (url === undefined)
    throw new Error("TEST_DATABASE_URL is not set, and CI=true: the PostgreSQL tests need it");
  return url;
}

export const randomTableName = (): string => `tq_api_${randomBytes(5).toString("hex")}`;

/** Drops a queue table and what its migrations made. */
export async function dropTable(url: string, tableName: string): Promise<void> {
  const namespace = await SqlQueueNamespace.open({ connection: url, tableName, migrate: false });
  try {
    const { $client: client } = namespace.queue("default").database as unknown as {
      $client: { unsafe(query: string): Promise<unknown> };
    };
    await client.unsafe(
      `DROP TABLE IF EXISTS "${tableName}", "${tableName}_settings", "${tableName}_counts", "${tableName}_migrations"`,
    );
    await client.unsafe(`DROP SEQUENCE IF EXISTS "${tableName}_ordering_seq"`);
  } finally {
    await namespace.close();
  }
}

/** Queues in a table of their own on the test server; cleanup drops the table. */
export const postgresBackend = {
  label: "PostgreSQL",
  async open(): Promise<{ queues: QueueNamespace; cleanup(): Promise<void> }> {
    const url = databaseUrl();
    const tableName = randomTableName();
    const queues = await SqlQueueNamespace.open({ connection: url, tableName });
    return { queues, cleanup: () => dropTable(url, tableName) };
  },
};
