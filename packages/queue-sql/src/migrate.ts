import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { type DrizzleDatabase, drizzleOf, queryRows } from "./database.js";
import type { SqlDatabase } from "./sql-database.js";
import { assertIdentifier, quoteIdentifier, renameDdl } from "./table.js";
import { DEFAULT_TABLE_NAME } from "./table-name.js";

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
  /**
   * The id column's name in journals written by an earlier version (queue-events called it `tag`): such a column is
   * renamed to `id` under the lock, before the journal is read.
   */
  legacyIdColumn?: string;
}

/**
 * Applies the migrations not yet recorded in the journal table, all in one transaction holding an advisory lock,
 * so two processes starting at once neither apply a migration twice nor see a half-built schema. Returns the ids
 * it applied (empty when the schema was already up to date).
 */
export async function applyMigrations(db: SqlDatabase, options: ApplyMigrationsOptions): Promise<string[]> {
  assertIdentifier(options.journalTable, "journalTable");
  const journal = sql.raw(quoteIdentifier(options.journalTable));
  return drizzleOf(db).transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${options.lockKey}, 0))`);
    await tx.execute(sql`
      CREATE TABLE IF NOT EXISTS ${journal} (
        id text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    if (options.legacyIdColumn !== undefined)
      await renameLegacyIdColumn(tx, options.journalTable, options.legacyIdColumn);
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

async function renameLegacyIdColumn(
  db: DrizzleDatabase,
  journalTable: string,
  column: string,
): Promise<void> {
  const legacy = await queryRows<{ found: number }>(
    db,
    sql`SELECT 1 AS found FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${journalTable} AND column_name = ${column}`,
  );
  if (legacy.length === 0) return;
  // CREATE TABLE IF NOT EXISTS left such a journal as it was: (<column> text PRIMARY KEY, applied_at).
  await db.execute(
    sql`ALTER TABLE ${sql.raw(quoteIdentifier(journalTable))} RENAME COLUMN ${sql.raw(quoteIdentifier(column))} TO id`,
  );
}

/** The migrations shipped with this package (drizzle-kit output in migrations/), for the given table name. */
export function queueMigrations(tableName: string = DEFAULT_TABLE_NAME): Promise<Migration[]> {
  return readMigrationFolder(new URL("../migrations/", import.meta.url), (ddl) =>
    renameDdl(ddl, DEFAULT_TABLE_NAME, tableName),
  );
}

/** The columns by which the Python task-queue's SqlQueue table (`sqlqueue`) is recognised. */
const LEGACY_COLUMNS = ["index_key", "json_data", "queue_item_stage", "queue_name"];

/**
 * The queue table's name is taken by a table of another layout (creating it would fail with "relation already
 * exists"). `legacy`: it is the Python task-queue's SqlQueue table, whose items a migration can copy over.
 */
export class ForeignTableError extends Error {
  constructor(
    readonly tableName: string,
    readonly legacy: boolean,
  ) {
    super(
      legacy
        ? `table "${tableName}" is the Python task-queue's SqlQueue table (index_key, json_data, queue_item_stage), not a table of this queue: copy its items into a table of ours instead of opening it`
        : `table "${tableName}" exists but is not a task-queue table (it has no item_id column): choose another table name`,
    );
    this.name = "ForeignTableError";
  }
}

/** Throws ForeignTableError when `tableName` exists with another layout than ours. */
async function assertOwnTable(db: SqlDatabase, tableName: string): Promise<void> {
  const columns = new Set(
    (
      await queryRows<{ column_name: string }>(
        db,
        sql`SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ${tableName}`,
      )
    ).map((row) => row.column_name),
  );
  if (columns.size === 0 || columns.has("item_id")) return;
  throw new ForeignTableError(
    tableName,
    LEGACY_COLUMNS.every((column) => columns.has(column)),
  );
}

/**
 * Creates or updates the queue table `tableName`; idempotent and safe to run from many processes at once. A table
 * of that name with another layout is a ForeignTableError, not a failed CREATE.
 */
export async function migrateQueueTable(
  db: SqlDatabase,
  tableName: string = DEFAULT_TABLE_NAME,
): Promise<string[]> {
  await assertOwnTable(db, tableName);
  return applyMigrations(db, {
    lockKey: `task-queue:queue-sql:${tableName}`,
    journalTable: `${tableName}_migrations`,
    migrations: await queueMigrations(tableName),
  });
}
