import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import type { EventDatabase } from "./database.js";
import { DEFAULT_EVENTS_TABLE } from "./schema.js";
import { assertTableName } from "./table-name.js";

// The migrations drizzle-kit generated (drizzle/ at the package root, shipped with the package).
const MIGRATIONS = new URL("../../drizzle/", import.meta.url);
const BREAKPOINT = "--> statement-breakpoint";

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

function ledgerTable(table: string) {
  return pgTable(`${table}_migrations`, {
    tag: text("tag").primaryKey(),
    appliedAt: timestamp("applied_at", { withTimezone: true }).notNull().defaultNow(),
  });
}

/** The shipped migration statements, with the default table name (and the index names built on it) renamed. */
async function migrationStatements(table: string): Promise<Array<{ tag: string; statements: string[] }>> {
  const journal = JSON.parse(await readFile(new URL("meta/_journal.json", MIGRATIONS), "utf8")) as Journal;
  const quotedName = new RegExp(`"${DEFAULT_EVENTS_TABLE}(_[a-z_]*)?"`, "g");
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      const text = await readFile(new URL(`${tag}.sql`, MIGRATIONS), "utf8");
      const statements = text
        .split(BREAKPOINT)
        .map((statement) => statement.trim().replace(quotedName, (_, suffix = "") => `"${table}${suffix}"`))
        .filter((statement) => statement.length > 0);
      return { tag, statements };
    }),
  );
}

/**
 * Creates or upgrades the events table. Idempotent and safe to run from many processes at once: a transaction
 * holds an advisory lock on the table name, and `<table>_migrations` records what was applied.
 */
export async function migrateEventStore(db: EventDatabase, options: { table?: string } = {}): Promise<void> {
  const table = options.table ?? DEFAULT_EVENTS_TABLE;
  assertTableName(table);
  const migrations = await migrationStatements(table);
  const ledger = ledgerTable(table);
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`task-queue-events:${table}`}))`);
    await tx.execute(
      sql.raw(
        `create table if not exists "${table}_migrations" (tag text primary key, applied_at timestamptz not null default now())`,
      ),
    );
    const applied = new Set((await tx.select({ tag: ledger.tag }).from(ledger)).map((row) => row.tag));
    for (const { tag, statements } of migrations) {
      if (applied.has(tag)) continue;
      for (const statement of statements) await tx.execute(sql.raw(statement));
      await tx.insert(ledger).values({ tag });
    }
  });
}
