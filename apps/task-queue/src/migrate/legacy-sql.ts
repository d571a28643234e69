import {
  type JsonObject,
  type JsonValue,
  QueueItemStage,
  redactUrlsIn,
  type StageName,
  stageName,
} from "@task-queue/queue-core";
import { ITEM_EVENT_VERSION, type NewEvent } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import type { SqlDatabase, SqlQueue, SqlQueueNamespace } from "@task-queue/queue-sql";
import { assertTableName, queryRows, quoteIdentifier } from "@task-queue/queue-sql/internal";
import { sql } from "drizzle-orm";
import { CliError, EXIT_USAGE } from "../cli.js";

/**
 * `task-queue migrate legacy-sql`: copies the Python task-queue's SqlQueue table (`sqlqueue`: id, queue_item_stage,
 * json_data, index_key, queue_name) into our queue table, keeping ids, bodies and stages, and its SqlEventStore
 * table (`sqleventstore`: id, name, version, json_data, event_metadata, time) into our event store, turning its
 * integer stages and field names into ours. Idempotent: items already present are skipped, and each copied event
 * carries the legacy row's id in `metadata.legacy`, so a second run adds nothing. Everything happens in one
 * transaction, rolled back unless `apply`: a dry run reports exactly what applying would do and writes nothing.
 */
export interface LegacySqlOptions {
  namespace: SqlQueueNamespace;
  /** The Python task-queue's item table (default `sqlqueue`). */
  fromTable: string;
  /** Its event table (default `sqleventstore`); skipped when absent. */
  fromEventsTable: string;
  /** Our event names for what were its ADD and MOVE events. */
  eventNames: { add: string; move: string };
  /** The queue for events whose item id is in no or several legacy queues (its events name no queue). */
  eventsQueue?: string;
  apply: boolean;
}

export interface LegacySqlReport {
  applied: boolean;
  items: { read: number; added: number; skipped: number; byQueue: Record<string, Record<StageName, number>> };
  events: {
    /** Whether the legacy event table exists. */
    found: boolean;
    read: number;
    added: number;
    /** Copied by an earlier run. */
    skipped: number;
    /** Neither an ADD nor a MOVE of the queue (other event names and shapes): left behind. */
    other: number;
    /** Their item's queue is unknown (see eventsQueue): left behind. */
    unassigned: number;
  };
}

interface LegacyItemRow {
  id: number;
  queue_item_stage: number | null;
  json_data: string;
  index_key: string;
  queue_name: string;
}

interface LegacyEventRow {
  id: number;
  name: string;
  version: string;
  json_data: string;
  event_metadata: string | null;
  time_ms: number;
}

/** Thrown inside the transaction of a dry run to roll it back. */
class DryRun extends Error {}

async function tableExists(db: SqlDatabase, table: string): Promise<boolean> {
  const rows = await queryRows<{ found: number }>(
    db,
    sql`SELECT 1 AS found FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name = ${table}`,
  );
  return rows.length > 0;
}

function parseJson(text: string, where: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new CliError(`${where}: json_data is not JSON`);
  }
}

function legacyStage(value: number | null, where: string): QueueItemStage {
  const stage = value ?? QueueItemStage.WAITING;
  if (!Number.isInteger(stage) || stage < 0 || stage > 3)
    throw new CliError(`${where}: queue_item_stage ${stage} is not 0-3 (WAITING, PROCESSING, SUCCESS, FAIL)`);
  return stage as QueueItemStage;
}

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Strings of the original's queue_info (its engine URL) with any password replaced. */
function redacted(value: JsonValue): JsonValue {
  if (typeof value === "string") return redactUrlsIn(value);
  if (Array.isArray(value)) return value.map(redacted);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted(v)]));
  return value;
}

async function readLegacyItems(db: SqlDatabase, table: string): Promise<LegacyItemRow[]> {
  return queryRows<LegacyItemRow>(
    db,
    sql`SELECT id, queue_item_stage, json_data, index_key, queue_name
        FROM ${sql.raw(quoteIdentifier(table))} ORDER BY id`,
  );
}

async function readLegacyEvents(db: SqlDatabase, table: string): Promise<LegacyEventRow[]> {
  // Its times are naive datetimes (UTC as written by datetime.now() on a UTC host): read as UTC.
  return queryRows<LegacyEventRow>(
    db,
    sql`SELECT id, name, version, json_data, event_metadata, (extract(epoch FROM "time") * 1000)::float8 AS time_ms
        FROM ${sql.raw(quoteIdentifier(table))} ORDER BY id`,
  );
}

/** The legacy event rows copied by an earlier run: their ids, from our events' `metadata.legacy`. */
async function copiedBefore(store: SqlEventStore, names: string[], table: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const name of names) {
    let cursor: string | undefined;
    do {
      const page = await store.readByName(name, { limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const event of page.events) {
        const legacy = event.metadata.legacy;
        if (isObject(legacy) && legacy.table === table && typeof legacy.id === "string") ids.add(legacy.id);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
  return ids;
}

/** One legacy event as ours, or "other" when it is neither an ADD nor a MOVE of a queue item. */
function convertEvent(row: LegacyEventRow, queue: string, options: LegacySqlOptions): NewEvent | "other" {
  const data = parseJson(row.json_data, `${options.fromEventsTable} row ${row.id}`);
  if (!isObject(data) || typeof data.queue_index_key !== "string") return "other";
  const id = data.queue_index_key;
  const metadataValue = row.event_metadata === null ? {} : parseJson(row.event_metadata, `row ${row.id}`);
  const metadata: JsonObject = {
    ...(isObject(metadataValue) ? metadataValue : { original: metadataValue }),
    legacy: { table: options.fromEventsTable, id: String(row.id), name: row.name, version: row.version },
  };
  const common = { version: ITEM_EVENT_VERSION, time: new Date(row.time_ms), metadata };
  if ("queue_item_data" in data) {
    const info = data.queue_info;
    return {
      ...common,
      name: options.eventNames.add,
      data: {
        queue,
        id,
        body: data.queue_item_data ?? null,
        description: { implementation: "SQLQueue", arguments: { queue_info: redacted(info ?? null) } },
      },
    };
  }
  const { stage_from: from, stage_to: to } = data;
  if (typeof from !== "number" || typeof to !== "number") return "other";
  const where = `${options.fromEventsTable} row ${row.id}`;
  const fromStage = stageName(legacyStage(from, where));
  const toStage = stageName(legacyStage(to, where));
  return {
    ...common,
    name: options.eventNames.move,
    data: {
      queue,
      id,
      from: fromStage,
      to: toStage,
      ...(fromStage === "FAIL" && toStage === "WAITING" ? { action: "REQUEUE" } : {}),
    },
  };
}

async function copyItems(
  txQueue: SqlQueue,
  rows: LegacyItemRow[],
  fromTable: string,
  report: LegacySqlReport,
): Promise<void> {
  const byQueue = new Map<string, { id: string; body: JsonValue; stage: QueueItemStage }[]>();
  for (const row of rows) {
    const where = `${fromTable} row ${row.id}`;
    const item = {
      id: row.index_key,
      body: parseJson(row.json_data, where),
      stage: legacyStage(row.queue_item_stage, where),
    };
    byQueue.set(row.queue_name, [...(byQueue.get(row.queue_name) ?? []), item]);
    const counts = report.items.byQueue[row.queue_name] ?? { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };
    report.items.byQueue[row.queue_name] = counts;
    counts[stageName(item.stage)] += 1;
  }
  for (const [name, items] of byQueue) {
    const result = await txQueue.sibling(name).importItems(items);
    report.items.added += result.added.length;
    report.items.skipped += result.skipped.length;
  }
}

async function copyEvents(
  tx: SqlDatabase,
  rows: LegacyEventRow[],
  queuesOf: Map<string, Set<string>>,
  options: LegacySqlOptions,
  report: LegacySqlReport,
): Promise<void> {
  const store = new SqlEventStore(tx);
  await store.migrate();
  const done = await copiedBefore(
    store,
    [options.eventNames.add, options.eventNames.move],
    options.fromEventsTable,
  );
  const events: NewEvent[] = [];
  for (const row of rows) {
    if (done.has(String(row.id))) {
      report.events.skipped += 1;
      continue;
    }
    const data = parseJson(row.json_data, `${options.fromEventsTable} row ${row.id}`);
    const id = isObject(data) ? data.queue_index_key : undefined;
    const queues = typeof id === "string" ? queuesOf.get(id) : undefined;
    const queue = queues?.size === 1 ? [...queues][0] : options.eventsQueue;
    if (queue === undefined) {
      report.events.unassigned += typeof id === "string" ? 1 : 0;
      report.events.other += typeof id === "string" ? 0 : 1;
      continue;
    }
    const event = convertEvent(row, queue, options);
    if (event === "other") report.events.other += 1;
    else events.push(event);
  }
  report.events.added = (await store.addMany(events)).length;
}

export async function migrateLegacySql(options: LegacySqlOptions): Promise<LegacySqlReport> {
  for (const [flag, table] of [
    ["--from-table", options.fromTable],
    ["--from-events-table", options.fromEventsTable],
  ] as const) {
    try {
      assertTableName(table);
    } catch {
      throw new CliError(`${flag}: ${JSON.stringify(table)} is not a plain table name`, EXIT_USAGE);
    }
  }
  const anyQueue = options.namespace.queue("default");
  if (anyQueue.tableName === options.fromTable)
    throw new CliError(
      `SQL_QUEUE_TABLE (--sql-queue-table) is ${options.fromTable}, the table to copy from: name another table to copy into (default task_queue_items)`,
      EXIT_USAGE,
    );
  const db = anyQueue.database;
  if (!(await tableExists(db, options.fromTable)))
    throw new CliError(`no table ${options.fromTable} to migrate from in this database`, EXIT_USAGE);
  const items = await readLegacyItems(db, options.fromTable);
  const eventsFound = await tableExists(db, options.fromEventsTable);
  const events = eventsFound ? await readLegacyEvents(db, options.fromEventsTable) : [];

  const report: LegacySqlReport = {
    applied: options.apply,
    items: { read: items.length, added: 0, skipped: 0, byQueue: {} },
    events: { found: eventsFound, read: events.length, added: 0, skipped: 0, other: 0, unassigned: 0 },
  };
  const queuesOf = new Map<string, Set<string>>();
  for (const row of items)
    queuesOf.set(row.index_key, (queuesOf.get(row.index_key) ?? new Set()).add(row.queue_name));

  try {
    await anyQueue.transaction(async (txQueue, tx) => {
      await txQueue.migrate();
      await copyItems(txQueue, items, options.fromTable, report);
      if (eventsFound) await copyEvents(tx, events, queuesOf, options, report);
      if (!options.apply) throw new DryRun();
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
  return report;
}
