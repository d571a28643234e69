import type { ItemId, JsonObject } from "@task-queue/queue-core";
import {
  assertTableName,
  type ChangeRecorder,
  type DrizzleDatabase,
  drizzleOf,
  queryRows,
  quoteIdentifier,
  translateErrors,
} from "@task-queue/queue-sql/internal";
import { and, asc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Event, NewEvent } from "../event.js";
import type {
  EventPage,
  EventPageRequest,
  EventStore,
  EventTrimRequest,
  FinishedMove,
  FinishedMovesRequest,
} from "../event-store.js";
import { type ValidEvent, validateNewEvents } from "../new-event.js";
import { normalizeEventPage, toPage } from "../paging.js";
import type { EventRecording } from "../transactional.js";
import { validateTrimRequest } from "../trim.js";
import type { EventDatabase } from "./database.js";
import { insertEvents } from "./insert-events.js";
import { migrateEventStore } from "./migrate.js";
import { eventRecorder } from "./record-changes.js";
import { type EventsTable, eventsTable } from "./schema.js";
import { DEFAULT_EVENTS_TABLE } from "./table-name.js";

export interface SqlEventStoreOptions {
  /** The events table (default task_queue_events): lower-case letters, digits and _. */
  table?: string;
}

// Each column of a batch travels as one text[] parameter; bodies of up to 1 MB each keep the data array of a chunk
// this size well under PostgreSQL's 1 GB limit for one value.
const ROWS_PER_INSERT = 500;

/**
 * Events in a PostgreSQL table, through drizzle (postgres.js or PGlite). The caller owns the database handle;
 * call migrate() once before use. Ids come from a bigserial, so they increase in the order events were written.
 */
export class SqlEventStore implements EventStore {
  readonly database: EventDatabase;
  readonly table: string;
  /** `database` with drizzle's type, which the public one does not carry. */
  private readonly db: DrizzleDatabase;
  private readonly events: EventsTable;

  constructor(database: EventDatabase, options: SqlEventStoreOptions = {}) {
    this.table = options.table ?? DEFAULT_EVENTS_TABLE;
    assertTableName(this.table, "table");
    this.database = database;
    this.db = drizzleOf(database);
    this.events = eventsTable(this.table);
  }

  /** Creates or upgrades the table; idempotent. */
  async migrate(): Promise<void> {
    await translateErrors(() => migrateEventStore(this.database, { table: this.table }));
  }

  /** The same store writing through another handle on the same database, e.g. an open transaction. */
  withDatabase(database: EventDatabase): SqlEventStore {
    return new SqlEventStore(database, { table: this.table });
  }

  /**
   * The INSERT a SqlQueue's statements run to write their changes as this store's events (QueueWithEvents).
   * @internal
   */
  recorder(recording: EventRecording): ChangeRecorder {
    return eventRecorder({ ...recording, table: this.table });
  }

  async add(event: NewEvent): Promise<Event> {
    const [stored] = await this.addMany([event]);
    return stored!;
  }

  async addMany(events: readonly NewEvent[]): Promise<Event[]> {
    const valid = validateNewEvents(events);
    if (valid.length === 0) return [];
    if (valid.length <= ROWS_PER_INSERT) return this.insert(this.db, valid);
    // More than one statement: a transaction keeps the batch all-or-none (a savepoint inside an open one).
    return this.db.transaction(async (tx) => {
      const stored: Event[] = [];
      for (let start = 0; start < valid.length; start += ROWS_PER_INSERT) {
        stored.push(...(await this.insert(tx, valid.slice(start, start + ROWS_PER_INSERT))));
      }
      return stored;
    });
  }

  private insert(db: DrizzleDatabase, events: ValidEvent[]): Promise<Event[]> {
    return translateErrors(() => insertEvents(db, this.events, events));
  }

  async readByName(name: string, page?: EventPageRequest): Promise<EventPage> {
    const { since, limit, after } = normalizeEventPage(page);
    const t = this.events;
    const query = this.db
      .select(this.selection())
      .from(t)
      .where(
        and(
          eq(t.name, name),
          since === null ? undefined : gte(t.time, since),
          after === null
            ? undefined
            : sql`(${t.time}, ${t.id}) > (${after.time.toISOString()}::timestamptz, ${after.id.toString()}::bigint)`,
        ),
      )
      .orderBy(asc(t.time), asc(t.id))
      .limit(limit + 1);
    const rows = await translateErrors(() => query);
    return toPage(rows.map(toEvent), limit);
  }

  async itemHistory(queue: string, id: ItemId): Promise<Event[]> {
    const t = this.events;
    const query = this.db
      .select(this.selection())
      .from(t)
      .where(and(eq(t.queue, queue), eq(t.itemId, id)))
      .orderBy(asc(t.id));
    const rows = await translateErrors(() => query);
    return rows.map(toEvent);
  }

  async trim(request: EventTrimRequest): Promise<number> {
    const { name, before, limit } = validateTrimRequest(request);
    const t = this.events;
    // The oldest first through the (name, time, id) index: a short statement however large the table.
    const doomed = this.db
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.name, name), lt(t.time, before)))
      .orderBy(asc(t.time), asc(t.id))
      .limit(limit);
    const query = this.db.delete(t).where(inArray(t.id, doomed)).returning({ id: t.id });
    const removed = await translateErrors(() => query);
    return removed.length;
  }

  async finishedMoves(request: FinishedMovesRequest): Promise<FinishedMove[]> {
    const { queue, moveName, since } = request;
    const table = sql.raw(quoteIdentifier(this.table));
    // Finishes through the (name, time, id) index; each one's hand-out through (queue, item_id, id), newest first.
    const statement = sql`
      SELECT f.item_id AS id, f.data ->> 'to' AS stage, f.time AS finished_at, f.data ->> 'reason' AS reason,
        (SELECT h.time FROM ${table} h
          WHERE h.queue = f.queue AND h.item_id = f.item_id AND h.name = f.name AND h.id < f.id
            AND h.data ->> 'to' = 'PROCESSING'
          ORDER BY h.id DESC LIMIT 1) AS started_at
      FROM ${table} f
      WHERE f.name = ${moveName} AND f.time >= ${since.toISOString()}::timestamptz AND f.queue = ${queue}
        AND f.data ->> 'to' IN ('SUCCESS', 'FAIL')`;
    const rows = await translateErrors(() =>
      queryRows<{
        id: string;
        stage: string;
        finished_at: Date | string;
        started_at: Date | string | null;
        reason: string | null;
      }>(this.database, statement),
    );
    return rows.map((row) => ({
      id: row.id,
      stage: row.stage === "SUCCESS" ? "SUCCESS" : "FAIL",
      finishedAt: new Date(row.finished_at),
      startedAt: row.started_at === null ? null : new Date(row.started_at),
      reason: row.reason,
    }));
  }

  private selection() {
    const t = this.events;
    return { id: t.id, name: t.name, version: t.version, time: t.time, data: t.data, metadata: t.metadata };
  }
}

interface EventRow {
  id: bigint;
  name: string;
  version: number;
  time: Date;
  data: unknown;
  metadata: unknown;
}

function toEvent(row: EventRow): Event {
  return {
    id: row.id.toString(),
    name: row.name,
    version: row.version,
    time: row.time,
    data: row.data as JsonObject,
    metadata: row.metadata as JsonObject,
  };
}
