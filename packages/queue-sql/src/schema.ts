import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { DEFAULT_TABLE_NAME } from "./table-name.js";

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
    // The job lifecycle (queue-core's lifecycle.ts): hand-outs so far (the current attempt is the fencing token),
    // hand-outs allowed before a failure is final, priority (higher first), not before run_after, the lease of the
    // current PROCESSING attempt, the latest failure's reason and the success result.
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(1),
    priority: integer("priority").notNull().default(0),
    runAfter: timestamp("run_after", { withTimezone: true }),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    lastError: text("last_error"),
    result: jsonb("result"),
    // The W3C traceparent of the put, when it was traced: the span of the work done on the item links to it.
    traceContext: text("trace_context"),
    // Where to POST the completion callback (null: the queue's callback URL, if any).
    notifyUrl: text("notify_url"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: `${DEFAULT_TABLE_NAME}_pkey`, columns: [table.queueName, table.itemId] }),
    // get and peek: the next WAITING items of a queue in hand-out order (priority, then the order they entered
    // WAITING), so get is a walk down this index under a LIMIT whatever the statistics say, never a sort. Partial,
    // so moves out of WAITING add no entry here.
    index(`${DEFAULT_TABLE_NAME}_ready_idx`)
      .on(table.queueName, table.priority.desc().nullsFirst(), table.ordering)
      .where(sql`stage = 0`),
    // Leased PROCESSING items by expiry: the rescue in get and rescueExpired read only the expired ones.
    index(`${DEFAULT_TABLE_NAME}_lease_idx`)
      .on(table.queueName, table.leaseExpiresAt)
      .where(sql`stage = 1 AND lease_expires_at IS NOT NULL`),
    // Finished items by the time they finished: purge (retention) takes the oldest first, and stats count what
    // finished since a time, without reading the rest of the stage. Partial: WAITING and PROCESSING add no entry.
    index(`${DEFAULT_TABLE_NAME}_finished_idx`)
      .on(table.queueName, table.stage, table.updatedAt)
      .where(sql`stage >= 2`),
    // lookupState (keyset by item id within a stage) and successMany's PROCESSING rows. Partial (migration 0008):
    // WAITING and SUCCESS rows add no entry, so a put's insert and a success's update each write one index entry
    // fewer; their ids are read in id order from the primary key, or from the ready or finished index and a sort
    // when few of a queue's items are in the stage (lookup-state.ts).
    index(`${DEFAULT_TABLE_NAME}_stage_idx`)
      .on(table.queueName, table.stage, table.itemId)
      .where(sql`stage IN (1, 3)`),
    check(`${DEFAULT_TABLE_NAME}_stage_check`, sql`stage BETWEEN 0 AND 3`),
  ],
);

/**
 * Settings stored per queue (one row for a queue that has any): the pause flag a controller honours, and the
 * status the leading controller records each tick (null until one does). A row is written by the first setting or
 * status; a queue without one has the defaults. updated_at is the pause flag's; the status has its own time.
 */
export const taskQueueSettings = pgTable(`${DEFAULT_TABLE_NAME}_settings`, {
  queueName: byteOrderedText("queue_name").primaryKey(),
  paused: boolean("paused").notNull().default(false),
  // Completion callbacks: the default URL of the queue's items, and the HMAC secret that signs them.
  notifyUrl: text("notify_url"),
  callbackSecret: text("callback_secret"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  controllerTickAt: timestamp("controller_tick_at", { withTimezone: true }),
  controllerIdentity: text("controller_identity"),
  controllerLeader: boolean("controller_leader"),
  controllerPaused: boolean("controller_paused"),
  controllerPeriodSeconds: doublePrecision("controller_period_seconds"),
});

/**
 * The callback outbox: a row per move to SUCCESS or FAIL of an item with a callback URL, inserted by the move's
 * own statement, removed once delivered. `id` is the delivery id receivers de-duplicate by. A row is due while
 * next_attempt_at has passed (NULL: retries ran out, kept with its last error) and no deliverer holds it
 * (claimed_until in the past).
 */
export const taskQueueCallbacks = pgTable(
  `${DEFAULT_TABLE_NAME}_callbacks`,
  {
    id: text("id").primaryKey().default(sql`gen_random_uuid()::text`),
    queueName: byteOrderedText("queue_name").notNull(),
    itemId: byteOrderedText("item_id").notNull(),
    url: text("url").notNull(),
    payload: jsonb("payload").notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).defaultNow(),
    claimedUntil: timestamp("claimed_until", { withTimezone: true }),
    retryFrom: timestamp("retry_from", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // The deliverers' claim: due rows by time. Partial: failed rows (retries ran out) add no entry.
    index(`${DEFAULT_TABLE_NAME}_cb_due`).on(table.nextAttemptAt).where(sql`next_attempt_at IS NOT NULL`),
    // The API's listing of one queue's undelivered callbacks, oldest first.
    index(`${DEFAULT_TABLE_NAME}_cb_queue`).on(table.queueName, table.createdAt),
  ],
);
