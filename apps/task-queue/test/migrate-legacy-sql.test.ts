import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { type DrizzleDatabase, drizzleOf, queryRows } from "@task-queue/queue-sql/internal";
import { randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli, startCli } from "./support/cli-process.js";

/**
 * The Python task-queue's stored data carries over: its SqlQueue table and SqlEventStore table, created with its
 * schema (SQLModel's DDL for `SqlQueue` and `SqlEventStoreModel`) and rows as it wrote them, are migrated by
 * `task-queue migrate legacy-sql` and then served through the API with the right stages and history. A database of
 * its own, so the default event table and our queue table are this test's alone.
 */
const database = randomTableName("tq_legacy");
let DB: string;

/** A drizzle handle on a database (no queue table made): for the original's DDL, its rows, and checks. */
async function openDatabase(url: string): Promise<{ db: DrizzleDatabase; close(): Promise<void> }> {
  const namespace = await SqlQueueNamespace.open({ connection: url, migrate: false });
  return { db: drizzleOf(namespace.queue("default").database), close: () => namespace.close() };
}

// SQLModel's DDL for the original's tables (task_queue/queues/sql_queue.py, task_queue/events/sql_event_store.py).
const LEGACY_DDL = `
  CREATE TABLE sqlqueue (
    id SERIAL NOT NULL, queue_item_stage INTEGER, json_data VARCHAR NOT NULL, index_key VARCHAR NOT NULL,
    queue_name VARCHAR NOT NULL, PRIMARY KEY (id),
    CONSTRAINT _queue_name_index_key_uc UNIQUE (queue_name, index_key));
  CREATE TABLE sqleventstore (
    id SERIAL NOT NULL, name VARCHAR NOT NULL, version VARCHAR NOT NULL, json_data VARCHAR NOT NULL,
    event_metadata VARCHAR NOT NULL, time TIMESTAMP WITHOUT TIME ZONE NOT NULL, PRIMARY KEY (id));`;

/** Python's json.dumps (", " and ": " separators), as the original stored bodies and event data. */
const dumps = (value: unknown): string =>
  JSON.stringify(value).replaceAll('":', '": ').replaceAll(',"', ', "');

const ITEMS: [queue: string, id: string, stage: number | null, body: unknown][] = [
  ["jobs", "waiting", 0, { file_name: "a.py", args: ["1"] }],
  ["jobs", "processing", 1, { file_name: "b.py", args: [] }],
  ["jobs", "done", 2, { n: 3 }],
  ["jobs", "failed", 3, [1, 2, 3]],
  ["jobs", "an id/with spaces%", null, "text body"],
  ["jobs", "shared", 0, { q: "jobs" }],
  ["other", "shared", 2, { q: "other" }],
];

const QUEUE_INFO = { implementation: "sql", engine_url: "postgresql+psycopg2://app:hunter2@db:5432/queues" };
const add = (id: string, body: unknown) => ({
  name: "TASK_QUEUE_ADD",
  data: { queue_index_key: id, queue_item_data: body, queue_info: QUEUE_INFO },
});
const move = (id: string, from: number, to: number) => ({
  name: "TASK_QUEUE_MOVE",
  data: { queue_index_key: id, stage_from: from, stage_to: to },
});
const EVENTS = [
  add("failed", [1, 2, 3]),
  move("failed", 0, 1),
  move("failed", 1, 3),
  move("failed", 3, 0),
  move("failed", 0, 1),
  move("failed", 1, 3),
  add("done", { n: 3 }),
  move("done", 0, 1),
  move("done", 1, 2),
  add("shared", { q: "jobs" }),
  { name: "SOMETHING_ELSE", data: { unrelated: true } },
];

function migrate(...args: string[]) {
  return runCli(["migrate", "legacy-sql", ...args], {
    SQL_QUEUE_CONNECTION_STRING: DB,
    WITH_QUEUE_EVENTS: "true",
  });
}

describe("task-queue migrate legacy-sql", () => {
  let admin: Awaited<ReturnType<typeof openDatabase>>;
  let target: Awaited<ReturnType<typeof openDatabase>>;
  const rows = <Row>(statement: SQL) => queryRows<Row>(target.db, statement);

  beforeAll(async () => {
    const server = await testDatabaseUrl();
    const url = new URL(server);
    url.pathname = `/${database}`;
    DB = url.toString();
    admin = await openDatabase(server);
    await admin.db.execute(sql.raw(`CREATE DATABASE "${database}"`));
    target = await openDatabase(DB);
    for (const statement of LEGACY_DDL.split(";").filter((text) => text.trim() !== ""))
      await target.db.execute(sql.raw(statement));
    for (const [queue, id, stage, body] of ITEMS)
      await target.db.execute(sql`INSERT INTO sqlqueue (queue_item_stage, json_data, index_key, queue_name)
                VALUES (${stage}, ${dumps(body)}, ${id}, ${queue})`);
    let second = 0;
    for (const event of EVENTS) {
      second += 1;
      await target.db.execute(sql`INSERT INTO sqleventstore (name, version, json_data, event_metadata, time)
                VALUES (${event.name}, '0.0.1', ${dumps(event.data)}, '{}',
                        ${`2024-05-01 12:00:${String(second).padStart(2, "0")}`}::timestamp)`);
    }
  });

  afterAll(async () => {
    await target?.close();
    await admin?.db.execute(sql.raw(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    await admin?.close();
  });

  it("refuses to open the original's table as a queue table, and says to migrate instead", async () => {
    const run = await runCli(["server", "--port", "0"], {
      SQL_QUEUE_CONNECTION_STRING: DB,
      SQL_QUEUE_TABLE: "sqlqueue",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'SQL_QUEUE_TABLE (--sql-queue-table): table "sqlqueue" is the Python task-queue\'s',
    );
    expect(run.stderr).toContain("task-queue migrate legacy-sql");
    expect(run.stderr).not.toMatch(/already exists/);
  });

  it("reports what it would copy on a dry run, and writes nothing", async () => {
    const run = await migrate();
    expect(run.code).toBe(0);
    expect(parse(run.stdout)).toEqual({
      applied: false,
      items: {
        read: 7,
        added: 7,
        skipped: 0,
        byQueue: {
          jobs: { WAITING: 3, PROCESSING: 1, SUCCESS: 1, FAIL: 1 },
          other: { WAITING: 0, PROCESSING: 0, SUCCESS: 1, FAIL: 0 },
        },
      },
      events: { found: true, read: 11, added: 9, skipped: 0, other: 1, unassigned: 1 },
    });
    expect(run.stderr).toContain("--apply");
    const [row] = await rows(
      sql`SELECT to_regclass('task_queue_items')::text AS items, to_regclass('task_queue_events')::text AS events`,
    );
    expect(row).toEqual({ items: null, events: null });
  });

  it("copies with --apply, and a second run adds nothing", async () => {
    const first = await migrate("--apply", "--events-queue", "jobs");
    expect(first.code).toBe(0);
    expect(parse(first.stdout)).toMatchObject({
      applied: true,
      items: { read: 7, added: 7, skipped: 0 },
      events: { read: 11, added: 10, skipped: 0, other: 1, unassigned: 0 },
    });
    const again = await migrate("--apply", "--events-queue", "jobs");
    expect(parse(again.stdout)).toMatchObject({
      applied: true,
      items: { read: 7, added: 0, skipped: 7 },
      events: { read: 11, added: 0, skipped: 10, other: 1 },
    });
    const [counted] = await rows<{ count: number }>(
      sql`SELECT count(*)::int AS count FROM task_queue_events`,
    );
    expect(counted?.count).toBe(10);
    // The engine URL the original recorded keeps no password.
    const added = await rows<{ data: string }>(
      sql`SELECT data::text AS data FROM task_queue_events WHERE name = 'TASK_QUEUE_ADD' ORDER BY id`,
    );
    expect(added.map((event) => JSON.parse(event.data).description.arguments.queue_info.engine_url)).toEqual([
      "postgresql+psycopg2://app:***@db:5432/queues",
      "postgresql+psycopg2://app:***@db:5432/queues",
      "postgresql+psycopg2://app:***@db:5432/queues",
    ]);
  });

  it("serves the migrated items through the API with their stages, bodies and history", async () => {
    const server = startCli(["server", "--port", "0"], {
      SQL_QUEUE_CONNECTION_STRING: DB,
      SQL_QUEUE_NAME: "jobs",
      WITH_QUEUE_EVENTS: "true",
    });
    try {
      const listening = await server.waitForLog((log) => log.msg === "API server listening");
      const get = async (path: string) => {
        const response = await fetch(`${String(listening.url)}${path}`);
        return { status: response.status, json: (await response.json()) as unknown };
      };
      expect(await get("/api/v1/queue/sizes")).toEqual({
        status: 200,
        json: { WAITING: 3, PROCESSING: 1, SUCCESS: 1, FAIL: 1 },
      });
      expect(await get("/api/v1/queue/lookup_item/failed")).toEqual({
        status: 200,
        json: { item_id: "failed", status: 3, item_body: [1, 2, 3] },
      });
      expect(await get(`/api/v1/queue/status/${encodeURIComponent("an id/with spaces%")}`)).toEqual({
        status: 200,
        json: 0,
      });
      expect((await get("/api/v1/queues/other/lookup_item/shared")).json).toEqual({
        item_id: "shared",
        status: 2,
        item_body: { q: "other" },
      });
      const history = (await get("/api/v1/queue/history/failed")) as {
        status: number;
        json: { kind: string; from: string | null; to: string; time: string; action?: string }[];
      };
      expect(history.status).toBe(200);
      expect(history.json.map(({ kind, from, to, action }) => [kind, from, to, action ?? null])).toEqual([
        ["ADD", null, "WAITING", null],
        ["MOVE", "WAITING", "PROCESSING", null],
        ["MOVE", "PROCESSING", "FAIL", null],
        ["MOVE", "FAIL", "WAITING", "REQUEUE"],
        ["MOVE", "WAITING", "PROCESSING", null],
        ["MOVE", "PROCESSING", "FAIL", null],
      ]);
      expect(history.json[0]!.time).toBe("2024-05-01T12:00:01.000Z");
      // The migrated queue works on: the imported FAIL item is requeued and handed out.
      const requeue = await fetch(`${String(listening.url)}/api/v1/queue/requeue`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(["failed"]),
      });
      expect(requeue.status).toBe(200);
      expect((await get("/api/v1/queue/status/failed")).json).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
