import { jsonDocuments, queryRows, textArray } from "@task-queue/queue-sql/internal";
import { sql } from "drizzle-orm";
import type { Event } from "../event.js";
import { itemKey, type ValidEvent } from "../new-event.js";
import { compareEventIds } from "../paging.js";
import type { EventDatabase } from "./database.js";
import type { EventsTable } from "./schema.js";

/**
 * Inserts events in the order given and returns them as stored. Each column travels as one parameter, a text[]
 * or, for data and metadata, one JSON array of the documents (jsonDocuments: no array literal to escape); building
 * a multi-row VALUES list through the query builder costs more than the insert itself, and would run into the
 * 65,535-parameter limit. The ordinality fixes the order in which the bigserial ids are drawn. Data and metadata
 * stay json, which keeps "\u0000" (json_to_recordset would refuse it).
 * Empty strings stand for "none" in the optional columns: item ids and queue names are never empty.
 */
export async function insertEvents(
  db: EventDatabase,
  table: EventsTable,
  events: readonly ValidEvent[],
): Promise<Event[]> {
  const keys = events.map((event) => itemKey(event.data));
  const column = (value: (event: ValidEvent, index: number) => string) => textArray(events.map(value));
  const rows = await queryRows<{ id: string | number | bigint; ms: string | number }>(
    db,
    sql`
      INSERT INTO ${table} (name, version, "time", data, metadata, queue, item_id)
      SELECT e.name, e.version::int, coalesce(nullif(e.at, '')::timestamptz, clock_timestamp()),
             e.data::json, e.metadata::json, nullif(e.queue, ''), nullif(e.item_id, '')
      FROM ROWS FROM (
        unnest(${column((event) => event.name)}),
        unnest(${column((event) => String(event.version))}),
        unnest(${column((event) => event.time?.toISOString() ?? "")}),
        ${jsonDocuments(events.map((event) => JSON.stringify(event.data)))},
        ${jsonDocuments(events.map((event) => JSON.stringify(event.metadata)))},
        unnest(${column((_, index) => keys[index]?.queue ?? "")}),
        unnest(${column((_, index) => keys[index]?.id ?? "")})
      ) WITH ORDINALITY AS e(name, version, at, data, metadata, queue, item_id, position)
      ORDER BY e.position
      RETURNING id::text AS id, floor(extract(epoch FROM "time") * 1000)::bigint::text AS ms`,
  );
  const stored = rows
    .map((row) => ({ id: String(row.id), ms: Number(row.ms) }))
    .sort((a, b) => compareEventIds(a.id, b.id));
  return events.map((event, index) => {
    const row = stored[index]!;
    return { ...event, id: row.id, time: new Date(row.ms) };
  });
}
