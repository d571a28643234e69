import { QueueItemStage } from "@task-queue/queue-core";
import { EVERY_CAPABILITY, runQueueConformance } from "@task-queue/queue-core/testing";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drizzleOf } from "../src/database.js";
import { openSqlQueue, SqlQueueNamespace } from "../src/index.js";
import { postgresDatabase } from "../src/postgres.js";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

const tableName = randomTableName();
let url: string;
let namespace: SqlQueueNamespace | undefined;
let caseNumber = 0;

beforeAll(async () => {
  url = await testDatabaseUrl();
});

afterAll(async () => {
  if (namespace) {
    await dropQueueTable(namespace.queue("cleanup").database, tableName);
    await namespace.close();
  }
});

async function sharedNamespace(): Promise<SqlQueueNamespace> {
  namespace ??= await SqlQueueNamespace.open({ connection: url, tableName, poolSize: 10 });
  return namespace;
}

// Every case gets its own queue name in one shared table: a fresh, empty queue on one connection pool.
runQueueConformance(
  "SqlQueue on PostgreSQL",
  async () => (await sharedNamespace()).queue(`case-${caseNumber++}`),
  EVERY_CAPABILITY,
  { implementation: "SQLQueue" },
);

describe("SqlQueue on PostgreSQL, beyond the conformance suite", () => {
  it("puts 100,000 items in one call, in several chunks, and hands them out in order", async () => {
    const queue = (await sharedNamespace()).queue("hundred-thousand");
    const batch: Record<string, { i: number }> = {};
    for (let i = 0; i < 100_000; i++) batch[`item-${String(i).padStart(6, "0")}`] = { i };
    const put = await queue.put(batch);
    expect(put.added.length).toBe(100_000);
    expect(put.added[99_999]).toBe("item-099999");
    expect(await queue.size(QueueItemStage.WAITING)).toBe(100_000);
    const first = await queue.get(3);
    expect(first).toEqual([
      ["item-000000", { i: 0 }],
      ["item-000001", { i: 1 }],
      ["item-000002", { i: 2 }],
    ]);
  });

  it("a put whose later chunk fails writes nothing of the batch", async () => {
    const ns = await sharedNamespace();
    const queue = ns.queue("poisoned");
    // A trigger stands in for any failure the database raises part-way through a multi-chunk put.
    const db = drizzleOf(queue.database);
    await db.execute(
      sql.raw(`CREATE FUNCTION "${tableName}_poison"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.item_id = 'poison' THEN RAISE EXCEPTION 'poisoned item'; END IF; RETURN NEW; END $$`),
    );
    await db.execute(
      sql.raw(`CREATE TRIGGER poison BEFORE INSERT ON "${tableName}"
        FOR EACH ROW EXECUTE FUNCTION "${tableName}_poison"()`),
    );
    try {
      const batch: Record<string, number> = {};
      for (let i = 0; i < 12_000; i++) batch[`p${i}`] = i;
      batch.poison = 1;
      await expect(queue.put(batch)).rejects.toThrow(/poisoned item/);
      expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
    } finally {
      await db.execute(sql.raw(`DROP TRIGGER poison ON "${tableName}"`));
      await db.execute(sql.raw(`DROP FUNCTION "${tableName}_poison"()`));
    }
  });

  it("transaction() commits the queue's moves with the caller's own statements, or rolls all back", async () => {
    const queue = (await sharedNamespace()).queue("transactional");
    const side = `${tableName}_side`;
    await drizzleOf(queue.database).execute(sql.raw(`CREATE TABLE "${side}" (note text)`));
    try {
      await queue.put({ a: 1, b: 2 });
      await queue.transaction(async (txQueue, tx) => {
        await txQueue.get(1);
        await drizzleOf(tx).execute(sql.raw(`INSERT INTO "${side}" VALUES ('took a')`));
      });
      await expect(
        queue.transaction(async (txQueue, tx) => {
          await txQueue.get(1);
          await txQueue.put({ c: 3 });
          await drizzleOf(tx).execute(sql.raw(`INSERT INTO "${side}" VALUES ('took b')`));
          throw new Error("changed my mind");
        }),
      ).rejects.toThrow("changed my mind");
      expect(await queue.sizes()).toEqual({ WAITING: 1, PROCESSING: 1, SUCCESS: 0, FAIL: 0 });
      expect(await queue.lookupStatus("b")).toBe(QueueItemStage.WAITING);
      const notes = await drizzleOf(queue.database).execute(sql.raw(`SELECT note FROM "${side}"`));
      expect([...(notes as unknown as Array<{ note: string }>)].map((row) => row.note)).toEqual(["took a"]);
    } finally {
      await drizzleOf(queue.database).execute(sql.raw(`DROP TABLE "${side}"`));
    }
  });

  it("listQueues names the queues that hold items, and queues do not see each other's items", async () => {
    const listTable = randomTableName();
    const ns = await SqlQueueNamespace.open({ connection: url, tableName: listTable });
    try {
      expect(await ns.listQueues()).toEqual([]);
      await ns.queue("beta").put({ x: 1 });
      await ns.queue("alpha").put({ x: 2, y: 3 });
      expect(await ns.listQueues()).toEqual(["alpha", "beta"]);
      expect(await ns.queue("beta").sizes()).toEqual({ WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      expect(await ns.queue("alpha").get(5)).toEqual([
        ["x", 2],
        ["y", 3],
      ]);
      expect(await ns.queue("gamma").size(QueueItemStage.WAITING)).toBe(0);
    } finally {
      await dropQueueTable(ns.queue("alpha").database, listTable);
      await ns.close();
    }
  });

  it("description names driver, queue and table, and never the password", async () => {
    const withPassword = new URL(url);
    withPassword.password = "s3cret-Passw0rd";
    const queue = await openSqlQueue({
      connection: withPassword.toString(),
      tableName,
      queueName: "described",
    });
    try {
      const description = await queue.description();
      expect(description.implementation).toBe("SQLQueue");
      expect(description.arguments).toMatchObject({
        driver: "postgres",
        queue_name: "described",
        table_name: tableName,
      });
      expect(String(description.arguments.connection)).toContain(":***@");
      expect(JSON.stringify(description)).not.toContain("s3cret-Passw0rd");
    } finally {
      await queue.close();
    }
  });

  it("runs on a provided postgres.js client and leaves it open on close", async () => {
    const client = postgres(url, { max: 2, onnotice: () => {} });
    try {
      const queue = await openSqlQueue({
        connection: postgresDatabase(client),
        tableName,
        queueName: "provided",
      });
      await queue.put({ one: 1 });
      expect((await queue.description()).arguments.driver).toBe("postgres");
      await queue.close();
      const [row] =
        await client`SELECT count(*)::int AS n FROM ${client(tableName)} WHERE queue_name = 'provided'`;
      expect(row?.n).toBe(1);
    } finally {
      await client.end({ timeout: 5 });
    }
  });

  it("an unreachable server is QueueUnavailable, without the password in the message", async () => {
    await expect(
      openSqlQueue({ connection: "postgres://someone:hidden-pw@127.0.0.1:1/none", tableName }),
    ).rejects.toSatisfy((error: unknown) => {
      const e = error as Error & { code?: string };
      return e.code === "QUEUE_UNAVAILABLE" && !e.message.includes("hidden-pw");
    });
  });
});
