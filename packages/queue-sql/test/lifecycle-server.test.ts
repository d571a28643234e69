import { setTimeout as sleep } from "node:timers/promises";
import { InvalidArgument, type QueueEvent, QueueItemStage } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DrizzleDatabase, queryRows } from "../src/database.js";
import { migrateQueueTable, openSqlQueue, SqlQueueNamespace } from "../src/index.js";
import { applyMigrations, queueMigrations } from "../src/migrate.js";
import { postgresDatabase } from "../src/postgres.js";
import { takeWaiting } from "../src/sql/get.js";
import { idsInStage } from "../src/sql/lookup-state.js";
import { queueTable } from "../src/table.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

let url: string;
let client: postgres.Sql;
let db: DrizzleDatabase;
const tables: string[] = [];

beforeAll(async () => {
  url = await testDatabaseUrl();
  client = postgres(url, { max: 2, onnotice: () => {} });
  db = drizzlePostgres(client);
});

afterAll(async () => {
  for (const table of tables) await dropQueueTable(db, table);
  await client.end({ timeout: 5 });
});

/** A put batch of `count` items: ids i0, i1, …, each body its number. */
function numbered(count: number): Record<string, number> {
  const batch: Record<string, number> = {};
  for (let i = 0; i < count; i++) batch[`i${i}`] = i;
  return batch;
}

const dialect = new PgDialect();

/** The plan PostgreSQL chooses for a statement exactly as the queue builds it. */
async function planOf(statement: SQL): Promise<string> {
  const query = dialect.sqlToQuery(statement);
  const rows = await client.unsafe(`EXPLAIN ${query.sql}`, query.params as never[]);
  return rows.map((row) => row["QUERY PLAN"]).join("\n");
}

function newTable(): string {
  const table = randomTableName();
  tables.push(table);
  return table;
}

/** A namespace on `table` whose items get a second attempt, with no backoff before it. */
function openRetryingAtOnce(table: string): Promise<SqlQueueNamespace> {
  return SqlQueueNamespace.open({
    connection: url,
    tableName: table,
    lifecycle: { maxAttempts: 2, backoff: { baseSeconds: 0, maxSeconds: 0 } },
  });
}

describe("SqlQueue lifecycle on PostgreSQL, beyond the conformance suite", () => {
  it("migrates a table made by the first migration, with items in every stage, to the lifecycle schema", async () => {
    const table = newTable();
    const [first] = await queueMigrations(table);
    // The table as a deployment of the previous release has it: migration 0000 only, recorded in its journal.
    await applyMigrations(db, {
      lockKey: `task-queue:queue-sql:${table}`,
      journalTable: `${table}_migrations`,
      migrations: [first!],
    });
    await db.execute(
      sql.raw(`INSERT INTO "${table}" (queue_name, item_id, stage, body) VALUES
        ('old', 'w1', 0, '{"n":1}'), ('old', 'w2', 0, '{"n":2}'), ('old', 'p', 1, '{"n":3}'),
        ('old', 's', 2, '{"n":4}'), ('old', 'f', 3, '{"n":5}')`),
    );
    expect(await migrateQueueTable(db, table)).toEqual([
      "0001_lifecycle",
      "0002_settings",
      "0003_retention",
      "0004_callbacks",
      "0005_trace_context",
      "0006_stage_counts",
      "0007_controller_status",
      "0008_moved_stage_index",
    ]);
    const queue = await openSqlQueue({
      connection: postgresDatabase(client),
      tableName: table,
      queueName: "old",
    });
    expect(await queue.sizes()).toEqual({ WAITING: 2, PROCESSING: 1, SUCCESS: 1, FAIL: 1 });
    expect((await queue.lookupState(QueueItemStage.WAITING, { limit: 1 })).ids).toEqual(["w1"]);
    expect((await queue.lookupState(QueueItemStage.PROCESSING)).ids).toEqual(["p"]);
    const record = await queue.lookupRecord("w1");
    expect(record).toMatchObject({
      stage: "WAITING",
      attempts: 0,
      maxAttempts: 1,
      priority: 0,
      runAfter: null,
    });
    expect(await queue.getJobs(5)).toEqual([
      { itemId: "w1", body: { n: 1 }, attempt: 1, leaseExpiresAt: null },
      { itemId: "w2", body: { n: 2 }, attempt: 1, leaseExpiresAt: null },
    ]);
    // An item taken before the migration completes the legacy way (it has no attempt of its own: attempts 0).
    await queue.success("p", { result: { done: true } });
    expect((await queue.lookupRecord("p")).result).toEqual({ done: true });
    expect((await queue.requeue("f")).requeued).toEqual(["f"]);
    await queue.close();
  });

  it("migration 0007 keeps a stored pause flag; the controller status starts empty and leaves the flag alone", async () => {
    const table = newTable();
    const migrations = await queueMigrations(table);
    const before = migrations.filter((migration) => migration.id < "0007");
    await applyMigrations(db, {
      lockKey: `task-queue:queue-sql:${table}`,
      journalTable: `${table}_migrations`,
      migrations: before,
    });
    await db.execute(sql.raw(`INSERT INTO "${table}_settings" (queue_name, paused) VALUES ('held', true)`));
    expect(await migrateQueueTable(db, table)).toEqual(["0007_controller_status", "0008_moved_stage_index"]);
    const queue = await openSqlQueue({
      connection: postgresDatabase(client),
      tableName: table,
      queueName: "held",
    });
    const other = await openSqlQueue({
      connection: postgresDatabase(client),
      tableName: table,
      queueName: "other",
    });
    expect(await queue.isPaused()).toBe(true);
    expect(await queue.controllerStatus()).toBeNull();
    await queue.recordControllerStatus({ identity: "h/1", leader: true, paused: true, periodSeconds: 5 });
    await other.recordControllerStatus({ identity: "h/2", leader: true, paused: false, periodSeconds: 5 });
    expect(await queue.isPaused()).toBe(true);
    expect(await other.isPaused()).toBe(false);
    expect(await queue.controllerStatus()).toMatchObject({ identity: "h/1", paused: true });
    expect(await other.controllerStatus()).toMatchObject({ identity: "h/2", paused: false });
    await queue.setPaused(false);
    expect(await queue.controllerStatus()).toMatchObject({ identity: "h/1", paused: true });
    await queue.close();
    await other.close();
  });

  it("lookupState of WAITING and SUCCESS reads the stage's own index when few of a queue's items are in it, the primary key when many are", async () => {
    const table = newTable();
    const open = (queueName: string) =>
      openSqlQueue({ connection: postgresDatabase(client), tableName: table, queueName });
    const few = await open("few");
    const many = await open("many");
    // One table shared by two queues, so the table's statistics say "half the rows wait" for both of them.
    await client.unsafe(
      `INSERT INTO "${table}" (queue_name, item_id, body, stage) SELECT 'few', 'done-' || g, '1', 2 FROM generate_series(1, 20000) AS g`,
    );
    await few.put(numbered(30));
    await many.put(numbered(20_000));
    await client.unsafe(`ANALYZE "${table}"`);
    // Runs each statement, and EXPLAINs the lookup's own.
    const plans: string[] = [];
    const run = async <Row>(statement: SQL): Promise<Row[]> => {
      const query = dialect.sqlToQuery(statement);
      if (query.sql.includes("ORDER BY item_id")) plans.push(await planOf(statement));
      return (await client.unsafe(query.sql, query.params as never[])) as unknown as Row[];
    };
    const scope = (queueName: string) => ({ run, table: queueTable(table), queueName });
    const inByteOrder = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const fewIds = inByteOrder(Object.keys(numbered(30)));
    const manyIds = inByteOrder(Object.keys(numbered(20_000)));

    expect(await idsInStage(scope("few"), QueueItemStage.WAITING, null, 11)).toEqual(fewIds.slice(0, 11));
    expect(await idsInStage(scope("few"), QueueItemStage.WAITING, fewIds[10]!, 11)).toEqual(
      fewIds.slice(11, 22),
    );
    expect(await idsInStage(scope("few"), QueueItemStage.WAITING, null, null, "i2")).toEqual(
      fewIds.filter((id) => id.startsWith("i2")),
    );
    for (const plan of plans) expect(plan).toContain(`${table}_ready_idx`);
    plans.length = 0;

    expect(await idsInStage(scope("many"), QueueItemStage.WAITING, manyIds[99]!, 11)).toEqual(
      manyIds.slice(100, 111),
    );
    expect(plans[0]).toContain(`${table}_pkey`);
    expect(plans[0]).not.toContain(`${table}_ready_idx`);
    plans.length = 0;

    expect(await idsInStage(scope("few"), QueueItemStage.SUCCESS, "done-10", 3)).toEqual([
      "done-100",
      "done-1000",
      "done-10000",
    ]);
    expect(plans[0]).toContain(`${table}_pkey`);
    expect(plans[0]).not.toContain(`${table}_finished_idx`);
    plans.length = 0;

    // "many": 5 SUCCESS and 2 FAIL among 20,000 items.
    await many.successMany((await many.get(5)).map(([id]) => id));
    await many.failMany((await many.get(2)).map(([id]) => id));
    expect(await idsInStage(scope("many"), QueueItemStage.SUCCESS, "i1", 3)).toEqual(["i2", "i3", "i4"]);
    expect(plans[0]).toContain(`${table}_finished_idx`);
    expect(await idsInStage(scope("many"), QueueItemStage.FAIL, null, 3)).toEqual(["i5", "i6"]);
    expect(plans[1]).toContain(`${table}_stage_idx`);
    await few.close();
    await many.close();
  });

  it("get on a freshly bulk-loaded table walks the ready index under its LIMIT (no sort of the waiting rows)", async () => {
    const table = newTable();
    const queue = await openSqlQueue({
      connection: postgresDatabase(client),
      tableName: table,
      queueName: "fresh",
    });
    const batch = numbered(30_000);
    expect((await queue.put(batch)).added.length).toBe(30_000);
    // EXPLAIN the statements exactly as the queue builds them.
    const plans: string[] = [];
    const explain = async <Row>(statement: SQL): Promise<Row[]> => {
      plans.push(await planOf(statement));
      return [];
    };
    const scope = { run: explain, table: queueTable(table), queueName: "fresh" };
    await takeWaiting(scope, 100, 30, { baseSeconds: 1, maxSeconds: 60 });
    const [get] = plans;
    // The hand-out order comes from the ready index: no Sort node between LockRows and the scan.
    expect(get).toContain(`Index Scan using ${table}_ready_idx`);
    expect(get).not.toMatch(/LockRows[\s\S]*Sort[\s\S]*Scan on/);
    expect(get).toContain(`${table}_lease_idx`);
    await queue.close();
  });

  it("get keeps one generic plan for a small n (not planned afresh each call); a large n stays one bound statement", async () => {
    const table = newTable();
    // One connection of its own: pg_prepared_statements shows the statements of the session that asks.
    const session = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const queue = await openSqlQueue({
        connection: drizzlePostgres(session),
        tableName: table,
        queueName: "plans",
      });
      const batch = numbered(2_000);
      await queue.put(batch);
      for (let call = 0; call < 8; call++) await queue.successMany((await queue.get(10)).map(([id]) => id));
      await queue.get(101);
      await queue.get(102);
      const claims = await session<{ statement: string; generic_plans: number; custom_plans: number }[]>`
        SELECT statement, generic_plans::int AS generic_plans, custom_plans::int AS custom_plans FROM pg_prepared_statements
        WHERE statement LIKE '%FOR UPDATE SKIP LOCKED%' AND statement LIKE '%ORDER BY priority DESC, ordering%'
          AND statement NOT LIKE '%pg_prepared_statements%'`;
      const small = claims.filter((claim) => /ordering\s+LIMIT 10\s/.test(claim.statement));
      expect(small).toHaveLength(1);
      // PostgreSQL tries five custom plans first; after them the cached generic plan serves every call.
      expect(small[0]!.generic_plans).toBeGreaterThanOrEqual(3);
      expect(claims.filter((claim) => /ordering\s+LIMIT \$\d+\s/.test(claim.statement))).toHaveLength(1);
      expect(claims).toHaveLength(2);
      await queue.close();
    } finally {
      await session.end({ timeout: 5 });
    }
  });

  it("a process that has claimed 100,000 items vacuums the table in the background (not before)", async () => {
    const table = newTable();
    const queue = await openSqlQueue({ connection: url, tableName: table, queueName: "vacuum" });
    const vacuumed = async (): Promise<boolean> => {
      const [row] = await client<{ vacuumed: boolean }[]>`
        SELECT last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables WHERE relname = ${table}`;
      return row?.vacuumed === true;
    };
    try {
      const batch = numbered(101_000);
      await queue.put(batch);
      for (let claims = 0; claims < 90_000; claims += 10_000)
        expect(await queue.get(10_000)).toHaveLength(10_000);
      // A VACUUM reports itself to the statistics when it ends; none was started below the line.
      await sleep(1_500);
      expect(await vacuumed()).toBe(false);
      expect(await queue.get(10_000)).toHaveLength(10_000);
      let done = false;
      for (let poll = 0; poll < 600 && !done; poll++) {
        done = await vacuumed();
        if (!done) await sleep(100);
      }
      expect(done).toBe(true);
    } finally {
      await queue.close();
    }
  });

  it("one listening connection serves every waiting get of the process; a put wakes the waiters of its queue", async () => {
    const table = newTable();
    const ns = await SqlQueueNamespace.open({ connection: url, tableName: table, poolSize: 4 });
    try {
      const waiters = Array.from({ length: 16 }, (_, i) =>
        ns.queue(i % 2 === 0 ? "even" : "odd").getJobs(1, { waitSeconds: 30 }),
      );
      const channel = `${table}_work`;
      const listeners = async () =>
        (
          await queryRows<{ n: number }>(
            db,
            sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE ${`listen%${channel}%`}`,
          )
        )[0]!.n;
      for (let i = 0; i < 100 && (await listeners()) === 0; i++) await sleep(50);
      expect(await listeners()).toBe(1);
      const evens: Record<string, number> = {};
      const odds: Record<string, number> = {};
      for (let i = 0; i < 8; i++) {
        evens[`e${i}`] = i;
        odds[`o${i}`] = i;
      }
      await ns.queue("even").put(evens);
      await ns.queue("odd").put(odds);
      const got = (await Promise.all(waiters)).flat().map((job) => job.itemId);
      expect(got.sort()).toEqual([...Object.keys(evens), ...Object.keys(odds)].sort());
      expect(await listeners()).toBe(1);
    } finally {
      await ns.close();
    }
  });

  it("a put or a retry notifies after it commits, in a statement of its own; inside transaction() the statement notifies on commit", async () => {
    const table = newTable();
    const statements: string[] = [];
    const session = postgres(url, {
      max: 2,
      onnotice: () => {},
      debug: (_connection, query) => statements.push(query.replace(/\s+/g, " ")),
    });
    const listener = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const queue = await openSqlQueue({
        connection: drizzlePostgres(session),
        tableName: table,
        queueName: "told",
      });
      const notified: string[] = [];
      let heard: () => void = () => {};
      const hearing = new Promise<void>((resolve) => {
        heard = resolve;
      });
      await listener.listen(`${table}_work`, (payload) => {
        notified.push(payload);
        heard();
      });
      statements.length = 0;
      await queue.put({ a: 1 });
      await hearing;
      expect(notified).toEqual(["told"]);
      const insert = statements.findIndex((statement) => statement.includes("INSERT INTO"));
      const notify = statements.findIndex((statement) => statement.includes("pg_notify"));
      // Not in the insert: a transaction that ran pg_notify commits under a database-wide lock, one at a time.
      expect(statements[insert]).not.toContain("pg_notify");
      expect(notify).toBeGreaterThan(insert);
      // So does a failed attempt that goes back to WAITING.
      await queue.putJobs([{ id: "again", body: 1, maxAttempts: 2 }]);
      await queue.getJobs(5);
      statements.length = 0;
      expect(await queue.fail("again", { reason: "once", retryDelaySeconds: 0 })).toBe("WAITING");
      await queue.close();
      const failure = statements.findIndex((statement) => statement.includes("UPDATE"));
      expect(statements[failure]).not.toContain("pg_notify");
      expect(statements.findIndex((statement) => statement.includes("pg_notify"))).toBeGreaterThan(failure);
      statements.length = 0;
      const reopened = await openSqlQueue({
        connection: drizzlePostgres(session),
        tableName: table,
        queueName: "told",
      });
      await reopened.transaction(async (txQueue) => {
        await txQueue.put({ b: 2 });
      });
      // In a transaction the work is seen only at commit, which is when its statement's notification goes out.
      expect(statements.find((statement) => statement.includes("INSERT INTO"))).toContain("pg_notify");
      await reopened.close();
    } finally {
      await listener.end({ timeout: 5 });
      await session.end({ timeout: 5 });
    }
  });

  it("waiters find work nobody announced (an insert without NOTIFY, an expired lease) through the shared poll", async () => {
    const table = newTable();
    const ns = await openRetryingAtOnce(table);
    try {
      const abort = new AbortController();
      const waiters = Array.from({ length: 4 }, () =>
        ns.queue("quiet").getJobs(1, { waitSeconds: 30, signal: abort.signal }),
      );
      await sleep(100);
      // Written behind the queue's back: no pg_notify, so only the fallback poll can find it.
      await queryRows(
        db,
        sql`INSERT INTO ${sql.identifier(table)} (queue_name, item_id, body, max_attempts)
          VALUES ('quiet', 'silent', '1'::jsonb, 2)`,
      );
      const first = await Promise.race(waiters);
      abort.abort();
      const all = (await Promise.all(waiters)).flat();
      expect(first.map((job) => job.itemId)).toEqual(["silent"]);
      expect(all.map((job) => job.itemId)).toEqual(["silent"]);
      // Its lease expires with nobody notified: a waiting get rescues it and then takes it again (attempt 2).
      const queue = ns.queue("quiet");
      await queue.extend("silent", { attempt: 1, leaseSeconds: 0.3 });
      const [again] = await queue.getJobs(1, { waitSeconds: 30 });
      expect(again?.itemId).toBe("silent");
      expect(again?.attempt).toBe(2);
    } finally {
      await ns.close();
    }
  });

  it("the namespace's rescueExpired sweeps expired leases of every queue in one call", async () => {
    const table = newTable();
    const ns = await openRetryingAtOnce(table);
    try {
      await ns.queue("a").put({ a1: 1 });
      await ns.queue("b").putJobs([{ id: "b1", body: 1, maxAttempts: 1 }]);
      await ns.queue("a").getJobs(1, { leaseSeconds: 0.2 });
      await ns.queue("b").getJobs(1, { leaseSeconds: 0.2 });
      await ns.queue("c").put({ c1: 1 });
      await ns.queue("c").getJobs(1, { leaseSeconds: 600 });
      // The two leases expire a moment apart: sweep until both are seen, keeping what each sweep did.
      const swept = new Map<string, { retried: string[]; failed: string[] }>();
      for (let i = 0; i < 200 && swept.size < 2; i++) {
        await sleep(50);
        for (const [name, result] of await ns.rescueExpired()) swept.set(name, result);
      }
      expect(Object.fromEntries(swept)).toEqual({
        a: { retried: ["a1"], failed: [] },
        b: { retried: [], failed: ["b1"] },
      });
      expect(await ns.queue("a").lookupRecord("a1")).toMatchObject({
        stage: "WAITING",
        attempts: 1,
        maxAttempts: 2,
        lastError: "lease expired",
      });
      expect(await ns.queue("b").size(QueueItemStage.FAIL)).toBe(1);
      expect(await ns.queue("c").size(QueueItemStage.PROCESSING)).toBe(1);
      expect((await ns.queue("a").getJobs(1))[0]?.attempt).toBe(2);
    } finally {
      await ns.close();
    }
  });

  it("a rescue inside a transaction is told to observers when it commits, and never when it rolls back", async () => {
    const queue = await openSqlQueue({
      connection: url,
      tableName: newTable(),
      queueName: "held",
      lifecycle: { maxAttempts: 2, backoff: { baseSeconds: 0, maxSeconds: 0 } },
    });
    try {
      const told: QueueEvent[] = [];
      queue.observeRescues({ observe: (event) => told.push(event) });
      await queue.put({ late: 1 });
      await queue.getJobs(1, { leaseSeconds: 0.2 });
      await sleep(300);
      await expect(
        queue.transaction(async (tx) => {
          expect(await tx.rescueExpired()).toEqual({ retried: ["late"], failed: [] });
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(told).toEqual([]);
      expect((await queue.lookupRecord("late")).stage).toBe("PROCESSING");

      await queue.transaction(async (tx) => {
        expect(await tx.rescueExpired()).toEqual({ retried: ["late"], failed: [] });
        // Not yet committed: nobody has been told.
        expect(told).toEqual([]);
      });
      expect(told.map(({ kind, ids }) => [kind, ids])).toEqual([
        ["leaseExpired", ["late"]],
        ["retried", ["late"]],
      ]);
      expect((await queue.lookupRecord("late")).stage).toBe("WAITING");
    } finally {
      await queue.close();
    }
  });

  it("lifecycle options set the queue's defaults, and bad ones are refused before anything opens", async () => {
    const table = newTable();
    const queue = await openSqlQueue({
      connection: postgresDatabase(client),
      tableName: table,
      queueName: "tuned",
      lifecycle: { maxAttempts: 3 },
    });
    await queue.put({ x: 1 });
    expect((await queue.lookupRecord("x")).maxAttempts).toBe(3);
    await queue.get(1);
    expect(await queue.fail("x", { reason: "once", retryDelaySeconds: 0 })).toBe("WAITING");
    await queue.close();
    await expect(
      openSqlQueue({ connection: postgresDatabase(client), tableName: table, lifecycle: { maxAttempts: 0 } }),
    ).rejects.toThrow(InvalidArgument);
  });
});
