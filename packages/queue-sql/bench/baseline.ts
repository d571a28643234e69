/**
 * The same-statement baseline on PostgreSQL, shared by bench.ts and the gap probes: a table of migration 0000 and
 * queue-sql's pre-lifecycle statements sent by plain postgres.js.
 */
import type postgres from "postgres";
import type { SqlDatabase } from "../src/index.js";
import { applyMigrations, queueMigrations } from "../src/migrate.js";
import type { Workload } from "./workload.js";

/** A plain queue table: migration 0000 only, the schema before the lifecycle columns and indexes. */
export async function createPlainTable(db: SqlDatabase, table: string): Promise<void> {
  const [plain] = await queueMigrations(table);
  await applyMigrations(db, {
    lockKey: `bench:${table}`,
    journalTable: `${table}_migrations`,
    migrations: [plain!],
  });
}

/** A plain queue's statements (the pre-lifecycle ones), written directly against postgres.js (prepared, no drizzle). */
export function postgresWorkload(sql: postgres.Sql, table: string, queueName: string): Workload {
  const t = sql(table);
  return {
    async put(batch) {
      const ids = Object.keys(batch);
      const bodies = Object.values(batch).map((value) => JSON.stringify(value));
      const rows = await sql`
        INSERT INTO ${t} (queue_name, item_id, body)
        SELECT ${queueName}, input.item_id, input.body::jsonb
        FROM unnest(${ids}::text[], ${bodies}::text[]) WITH ORDINALITY AS input(item_id, body, position)
        ORDER BY input.position
        ON CONFLICT DO NOTHING
        RETURNING item_id`;
      return rows.length;
    },
    async get(n) {
      const rows = await sql`
        WITH next AS (
          SELECT item_id FROM ${t} WHERE queue_name = ${queueName} AND stage = 0
          ORDER BY ordering LIMIT ${n} FOR UPDATE SKIP LOCKED
        ), taken AS (
          UPDATE ${t} AS item SET stage = 1, updated_at = now() FROM next
          WHERE item.queue_name = ${queueName} AND item.item_id = next.item_id
          RETURNING item.item_id, item.body, item.ordering
        )
        SELECT item_id, body FROM taken ORDER BY ordering`;
      return rows.map((row) => row.item_id as string);
    },
    async success(ids) {
      const rows = await sql`
        UPDATE ${t} SET stage = 2, updated_at = now()
        WHERE queue_name = ${queueName} AND item_id = ANY(${ids}::text[]) AND stage = 1
        RETURNING item_id`;
      return rows.length;
    },
  };
}
