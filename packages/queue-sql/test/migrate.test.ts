import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrizzleDatabase } from "../src/database.js";
import { migrateQueueTable } from "../src/index.js";
import { applyMigrations, MAX_TABLE_NAME_LENGTH, queryRows } from "../src/internal/index.js";
import { queueMigrations } from "../src/migrate.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

describe("migrate on PostgreSQL", () => {
  let clients: postgres.Sql[];
  let dbs: DrizzleDatabase[];
  const tables: string[] = [];

  beforeAll(async () => {
    const url = await testDatabaseUrl();
    clients = [0, 1].map(() => postgres(url, { max: 1, onnotice: () => {} }));
    dbs = clients.map((client) => drizzlePostgres(client));
  });

  afterAll(async () => {
    for (const table of tables) await dropQueueTable(dbs[0]!, table);
    await Promise.all(clients.map((client) => client.end({ timeout: 5 })));
  });

  /** EXPLAIN's text with sequential scans off: which index the planner can use, whatever the table's size. */
  async function planWithoutSeqscan(explain: string): Promise<string> {
    await dbs[0]!.execute(sql.raw(`SET enable_seqscan = off`));
    try {
      const plan = await queryRows<{ "QUERY PLAN": string }>(dbs[0]!, sql.raw(explain));
      return plan.map((row) => row["QUERY PLAN"]).join("\n");
    } finally {
      await dbs[0]!.execute(sql.raw(`RESET enable_seqscan`));
    }
  }

  it("two processes migrating at once: one applies the migrations, the other finds them applied", async () => {
    const table = randomTableName();
    tables.push(table);
    const expected = (await queueMigrations(table)).map((migration) => migration.id);
    const results = await Promise.all(dbs.map((db) => migrateQueueTable(db, table)));
    expect(results.flat().sort()).toEqual(expected.sort());
    expect(results.some((applied) => applied.length === 0)).toBe(true);
    expect(await migrateQueueTable(dbs[0]!, table)).toEqual([]);
    const columns = await queryRows<{ column_name: string }>(
      dbs[1]!,
      sql`SELECT column_name FROM information_schema.columns WHERE table_name = ${table} ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual([
      "queue_name",
      "item_id",
      "stage",
      "body",
      "ordering",
      "created_at",
      "updated_at",
      "attempts",
      "max_attempts",
      "priority",
      "run_after",
      "lease_expires_at",
      "last_error",
      "result",
      "notify_url",
      "trace_context",
    ]);
    const indexes = await queryRows<{ indexname: string }>(
      dbs[1]!,
      sql`SELECT indexname FROM pg_indexes WHERE tablename = ${table} ORDER BY indexname`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      `${table}_finished_idx`,
      `${table}_lease_idx`,
      `${table}_pkey`,
      `${table}_ready_idx`,
      `${table}_stage_idx`,
    ]);
  });

  it("get's selection is an index scan on the ready index", async () => {
    const table = randomTableName();
    tables.push(table);
    await migrateQueueTable(dbs[0]!, table);
    const plan = await planWithoutSeqscan(
      `EXPLAIN SELECT item_id FROM "${table}" WHERE queue_name = 'q' AND stage = 0 ORDER BY priority DESC, ordering LIMIT 10`,
    );
    expect(plan).toContain(`${table}_ready_idx`);
  });

  it("purge's choice of rows is an index scan on the finished index, oldest first", async () => {
    const table = randomTableName();
    tables.push(table);
    await migrateQueueTable(dbs[0]!, table);
    const plan = await planWithoutSeqscan(
      `EXPLAIN SELECT item_id FROM "${table}" WHERE queue_name = 'q' AND stage = 2 AND updated_at <= now() ORDER BY updated_at LIMIT 1000`,
    );
    expect(plan).toContain(`${table}_finished_idx`);
    expect(plan).not.toContain("Sort");
  });

  it("applyMigrations applies another package's migrations once, under its own lock and journal", async () => {
    const journal = randomTableName("tq_journal");
    const target = randomTableName("tq_other");
    const migrations = [{ id: "0000_first", statements: [`CREATE TABLE "${target}" (id int)`] }];
    const options = { lockKey: `test:${journal}`, journalTable: journal, migrations };
    try {
      const results = await Promise.all(dbs.map((db) => applyMigrations(db, options)));
      expect(results.flat()).toEqual(["0000_first"]);
      expect(await applyMigrations(dbs[0]!, options)).toEqual([]);
    } finally {
      await dbs[0]!.execute(sql.raw(`DROP TABLE IF EXISTS "${target}", "${journal}"`));
    }
  });
});

/** Runs `use` on a fresh in-memory PGlite database, closed afterwards. */
async function onPglite(use: (db: DrizzleDatabase) => Promise<void>): Promise<void> {
  const client = new PGlite();
  try {
    await use(drizzlePglite(client));
  } finally {
    await client.close();
  }
}

describe("migrate on PGlite", () => {
  it("is idempotent, and a failing migration leaves nothing half-applied", async () => {
    await onPglite(async (db) => {
      const first = await migrateQueueTable(db);
      expect(first).toEqual((await queueMigrations()).map((migration) => migration.id));
      expect(await migrateQueueTable(db)).toEqual([]);
      const broken = [
        { id: "0000_ok", statements: ["CREATE TABLE half (id int)"] },
        { id: "0001_bad", statements: ["CREATE TABLE half_two (id int)", "SELECT no_such_function()"] },
      ];
      await expect(
        applyMigrations(db, { lockKey: "broken", journalTable: "broken_journal", migrations: broken }),
      ).rejects.toThrow();
      const tables = await queryRows<{ tablename: string }>(
        db,
        sql`SELECT tablename FROM pg_tables WHERE tablename IN ('half', 'half_two', 'broken_journal')`,
      );
      expect(tables).toEqual([]);
    });
  });

  it("adopts a journal whose id column has an older name, without re-applying what it lists", async () => {
    await onPglite(async (db) => {
      await db.execute(sql`CREATE TABLE old_journal (tag text PRIMARY KEY, applied_at timestamptz)`);
      await db.execute(sql`INSERT INTO old_journal (tag) VALUES ('0000_first')`);
      const migrations = [
        { id: "0000_first", statements: ["CREATE TABLE first (id int)"] },
        { id: "0001_second", statements: ["CREATE TABLE second (id int)"] },
      ];
      const options = { lockKey: "old", journalTable: "old_journal", migrations, legacyIdColumn: "tag" };
      expect(await applyMigrations(db, options)).toEqual(["0001_second"]);
      expect(await applyMigrations(db, options)).toEqual([]);
      const ids = await queryRows<{ id: string }>(db, sql`SELECT id FROM old_journal ORDER BY id`);
      expect(ids.map((row) => row.id)).toEqual(["0000_first", "0001_second"]);
    });
  });

  it("migrates a table whose name has the longest length allowed (its journal's name is longer)", async () => {
    await onPglite(async (db) => {
      const name = "t".repeat(MAX_TABLE_NAME_LENGTH);
      expect(await migrateQueueTable(db, name)).toEqual((await queueMigrations(name)).map((m) => m.id));
    });
  });
});
