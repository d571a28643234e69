import { sql } from "drizzle-orm";
import { bigserial, index, integer, json, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { DEFAULT_EVENTS_TABLE } from "./table-name.js";

/**
 * The events table. `json` rather than `jsonb` for data: item bodies may hold "\u0000", which jsonb refuses.
 * (Nor can `queue` and `item_id` be generated columns: `data ->> 'id'` fails on a document holding "\u0000"
 * anywhere, so the store copies them from data when it writes.) Time has millisecond precision, the precision of a JavaScript Date, so page cursors compare exactly.
 */
export function eventsTable(name: string) {
  return pgTable(
    name,
    {
      id: bigserial("id", { mode: "bigint" }).primaryKey(),
      name: text("name").notNull(),
      version: integer("version").notNull(),
      time: timestamp("time", { withTimezone: true, precision: 3 }).notNull().default(sql`clock_timestamp()`),
      data: json("data").notNull(),
      metadata: json("metadata").notNull(),
      // Copies of data.queue and data.id, for the history index.
      queue: text("queue"),
      itemId: text("item_id"),
    },
    (table) => [
      index(`${name}_name_time_idx`).on(table.name, table.time, table.id),
      index(`${name}_item_idx`).on(table.queue, table.itemId, table.id),
    ],
  );
}

export type EventsTable = ReturnType<typeof eventsTable>;

/** The schema drizzle-kit generates the shipped migration from (drizzle.config.ts). */
export const taskQueueEvents = eventsTable(DEFAULT_EVENTS_TABLE);
