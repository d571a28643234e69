import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { queryRows, type SqlDatabase } from "./database.js";
import { DEFAULT_TABLE_NAME } from "./schema.js";
import { assertTableName, quoteIdentifier, renameDdl } from "./table.js";

/** One migration: an id (drizzle-kit's tag, e.g. 0000_init) and its statements, in order. */
export interface Migration {
  id: string;
  statements: string[];
}

interface DrizzleJournal {
  entries: Array<{ idx: number; tag: string }>;
}

/**
 * Reads a drizzle-kit output folder (meta/_journal.json and one <tag>.sql per entry), in journal order.
 * `rewrite` may change each file's text first (SqlQueue substitutes its table name).
 */
export async function readMigrationFolder(
  folder: URL,
  rewrite: (ddl: string) => string = (ddl) => ddl,
): Promise<Migration[]> {
  const journal = JSON.parse(await readFile(new URL("meta/_journal.json", folder), "utf8")) as DrizzleJournal;
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      const ddl = rewrite(await readFile(new URL(`${tag}.sql`, folder), "utf8"));
      const statements = ddl
        .split("--> statement-breakpoint")
        .map((statement) => statement.trim())
        .filter((statement) => statement.length > 0);
      return { id: tag, statements };
    }),
  );
}

export interface ApplyMigrationsOptions {
  /** Names the advisory lock: concurrent migrate() calls with the same key run one after the other. */
  lockKey: string;
  /** The table recording applied migration ids (created when missing); a plain lower-case identifier. */
  journalTable: string;
  migrations: readonly Migration[];
}

/**
 * Applies the migrations not yet recorded in the journal table, all in one transaction holding an advisory lock,
 * so two processes starting at once neither apply a migration twice nor see a half-built schema. Returns the ids
 * it applied (empty when the schema was already up to date).
 */
export async function applyMigrations(db: SqlDatabase, options: ApplyMigrationsOptions): Promise<string[]> {
  assertTableName(options.journalTable);
  const journal = sql.raw(quoteIdentifier(options.journalTable));
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${options.lockKey}, 0))`);
    await tx.execute(sql`
      CREATE TABLE IF NOT EXISTS ${journal} (
        id text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = new Set(
      (await queryRows<{ id: string }>(tx, sql`SELECT id FROM ${journal}`)).map((row) => row.id),
    );
    const applied: string[] = [];
    for (const migration of options.migrations) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`INSERT INTO ${journal} (id) VALUES (${migration.id})`);
      applied.push(migration.id);
    }
    return applied;
  });
}

/** The migrations shipped with this package (drizzle-kit output in migrations/), for the given table name. */
export function queueMigrations(tableName: string = DEFAULT_TABLE_NAME): Promise<Migration[]> {
  return readMigrationFolder(new URL("../migrations/", import.meta.url), (ddl) => renameDdl(ddl, tableName));
}

/** Creates or updates the queue table `tableName`; idempotent and safe to run from many processes at once. */
export async function migrateQueueTable(
  db: SqlDatabase,
  tableName: string = DEFAULT_TABLE_NAME,
): Promise<string[]> {
  return applyMigrations(db, {
    lockKey: `task-queue:queue-sql:${tableName}`,
    journalTable: `${tableName}_migrations`,
    migrations: await queueMigrations(tableName),
  });
}
