import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  customType,
  index,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  smallint,
  timestamp,
} from "drizzle-orm/pg-core";

/** The table name drizzle-kit generates the migrations for; other names are substituted into that DDL. */
export const DEFAULT_TABLE_NAME = "task_queue_items";

/**
 * Item ids compare byte-wise (COLLATE "C"): lookupState pages by id, and a byte order is the same on every server
 * whatever its locale, so cursors stay meaningful and the index serves the ORDER BY.
 */
const byteOrderedText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

/** The sequence that orders WAITING items: an item takes its next value when it enters WAITING (put or requeue). */
export const orderingSequence = pgSequence(`${DEFAULT_TABLE_NAME}_ordering_seq`);

/**
 * One table holds every named queue. The reviewed source of truth for the DDL: `pnpm drizzle-kit generate` turns
 * it into migrations/, which migrate() applies (with the configured table name substituted).
 */
export const taskQueueItems = pgTable(
  DEFAULT_TABLE_NAME,
  {
    queueName: byteOrderedText("queue_name").notNull(),
    itemId: byteOrderedText("item_id").notNull(),
    stage: smallint("stage").notNull().default(0),
    body: jsonb("body").notNull(),
    ordering: bigint("ordering", { mode: "number" })
      .notNull()
      .default(sql`nextval('task_queue_items_ordering_seq')`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: `${DEFAULT_TABLE_NAME}_pkey`, columns: [table.queueName, table.itemId] }),
    // get and peek: the next WAITING items of a queue in order. Partial, so moves out of WAITING add no entry here.
    index(`${DEFAULT_TABLE_NAME}_waiting_idx`).on(table.queueName, table.ordering).where(sql`stage = 0`),
    // size, sizes and lookupState (keyset by item id within a stage).
    index(`${DEFAULT_TABLE_NAME}_stage_idx`).on(table.queueName, table.stage, table.itemId),
    check(`${DEFAULT_TABLE_NAME}_stage_check`, sql`stage BETWEEN 0 AND 3`),
  ],
);
