import { applyMigrations, readMigrationFolder, renameDdl } from "@task-queue/queue-sql/internal";
import type { EventDatabase } from "./database.js";
import { DEFAULT_EVENTS_TABLE } from "./table-name.js";

/**
 * Creates or upgrades the events table from the migrations drizzle-kit generated (migrations/, shipped with the
 * package), renamed for the table. Idempotent and safe to run from many processes at once: queue-sql's runner holds
 * an advisory lock on the table name in one transaction, and `<table>_migrations` records what was applied.
 */
export async function migrateEventStore(db: EventDatabase, options: { table?: string } = {}): Promise<void> {
  const table = options.table ?? DEFAULT_EVENTS_TABLE;
  const migrations = await readMigrationFolder(new URL("../../migrations/", import.meta.url), (ddl) =>
    renameDdl(ddl, DEFAULT_EVENTS_TABLE, table, "table"),
  );
  await applyMigrations(db, {
    lockKey: `task-queue:queue-events:${table}`,
    journalTable: `${table}_migrations`,
    migrations,
    // Journals written before the runner was shared called the id column `tag`.
    legacyIdColumn: "tag",
  });
}
