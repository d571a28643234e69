// QueueWithEvents over SqlQueue with a SqlEventStore on the same database: every move and its events commit in
// one transaction, on PGlite and on PostgreSQL.
import { PGlite } from "@electric-sql/pglite";
import { ItemNotFound, QueueItemStage, QueueUnavailable } from "@task-queue/queue-core";
import { EVERY_CAPABILITY, runQueueConformance } from "@task-queue/queue-core/testing";
import { openSqlQueue, SqlQueueNamespace } from "@task-queue/queue-sql";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type QueueNamespaceWithEvents,
  QueueWithEvents,
  type TransactionalQueue,
  withEvents,
} from "../src/index.js";
import { SqlEventStore } from "../src/sql/index.js";
import { databases, dropEventTables, randomTableName, type TestDatabase } from "./support/databases.js";
import { itRecordsTheLifecycle } from "./support/lifecycle-lives.js";
import { expectLifeRecorded } from "./support/lives.js";

for (const { label, open } of databases) {
  describe(`QueueWithEvents over SqlQueue on ${label}`, () => {
    const queueTable = randomTableName("events_queue");
    const eventTable = randomTableName();
    let database: TestDatabase;
    let store: SqlEventStore;
    let namespace: SqlQueueNamespace;
    let queues: QueueNamespaceWithEvents;
    let caseNumber = 0;

    beforeAll(async () => {
      database = await open();
      store = new SqlEventStore(database.db, { table: eventTable });
      await store.migrate();
      // The namespace adopts our drizzle database, so its queues and the store share it (and its transactions).
      namespace = await SqlQueueNamespace.open({ connection: database.db, tableName: queueTable });
      queues = withEvents(namespace, store, { base: "TASK" });
    });

    afterAll(async () => {
      await namespace?.close();
      if (database) {
        await database.db.execute(
          sql.raw(
            `drop table if exists "${queueTable}", "${queueTable}_settings", "${queueTable}_counts", "${queueTable}_migrations"`,
          ),
        );
        await database.db.execute(sql.raw(`drop sequence if exists "${queueTable}_ordering_seq"`));
        await dropEventTables(database.db, eventTable);
        await database.close();
      }
    });

    runQueueConformance(
      `QueueWithEvents over SqlQueue on ${label}`,
      () => queues.queue(`case-${caseNumber++}`),
      EVERY_CAPABILITY,
      { implementation: "QueueWithEvents" },
    );

    it("moves and records in one transaction, with the exact events of a whole life", async () => {
      const queue = queues.queue("life");
      expect(queue.atomic).toBe(true);
      await expectLifeRecorded(queue, "life");
    });

    itRecordsTheLifecycle((queueName) => queues.queue(queueName));

    it("a rescue and the hand-out after it commit together with their events", async () => {
      const queue = queues.queue("rescue-tx");
      await queue.putJobs([{ id: "r", body: 1, maxAttempts: 2 }]);
      await queue.getJobs(1, { leaseSeconds: 0.05 });
      // The store refuses the RESCUE event: the rescue is rolled back with it, and the item stays PROCESSING.
      await database.db.execute(
        sql.raw(`alter table "${eventTable}" add constraint "${eventTable}_no_rescue"
          check (not (queue = 'rescue-tx' and (data ->> 'action') = 'RESCUE'))`),
      );
      try {
        for (let i = 0; i < 400 && (await queue.inner.lookupRecord("r")).leaseExpiresAt! > new Date(); i++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await expect(queue.getJobs(1)).rejects.toBeInstanceOf(QueueUnavailable);
        const record = await queue.inner.lookupRecord("r");
        expect([record.stage, record.attempts]).toEqual(["PROCESSING", 1]);
      } finally {
        await database.db.execute(
          sql.raw(`alter table "${eventTable}" drop constraint "${eventTable}_no_rescue"`),
        );
      }
      expect(await queue.rescueExpired()).toEqual({ retried: ["r"], failed: [] });
      expect((await queue.history("r")).at(-1)).toMatchObject({ action: "RESCUE", reason: "lease expired" });
    });

    it("history of an unknown id is ItemNotFound", async () => {
      await expect(queues.queue("life").history("missing")).rejects.toBeInstanceOf(ItemNotFound);
    });

    it("a failing event insert rolls the move back: no move without its event", async () => {
      const queue = queues.queue("poisoned");
      // The store refuses to record 'poison' reaching SUCCESS, as any database error in the insert would.
      await database.db.execute(
        sql.raw(`alter table "${eventTable}" add constraint "${eventTable}_poison"
          check (not (item_id = 'poison' and (data ->> 'to') = 'SUCCESS'))`),
      );
      try {
        await queue.put({ poison: 1, fine: 2 });
        expect((await queue.get(2)).map(([id]) => id)).toEqual(["poison", "fine"]);

        await expect(queue.success("poison")).rejects.toBeInstanceOf(QueueUnavailable);
        await expect(queue.successMany(["fine", "poison"])).rejects.toBeInstanceOf(QueueUnavailable);

        // Neither item moved, and their histories end where the queue says they are.
        expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 2, SUCCESS: 0, FAIL: 0 });
        for (const id of ["poison", "fine"]) {
          expect((await queue.history(id)).map((entry) => entry.to)).toEqual(["WAITING", "PROCESSING"]);
        }
        // Other moves still go through.
        await queue.success("fine");
        expect((await queue.history("fine")).at(-1)?.to).toBe("SUCCESS");
      } finally {
        await database.db.execute(
          sql.raw(`alter table "${eventTable}" drop constraint "${eventTable}_poison"`),
        );
      }
    });

    it("when the events table is gone, puts and moves fail whole and change nothing", async () => {
      const brokenTable = randomTableName();
      const brokenStore = new SqlEventStore(database.db, { table: brokenTable });
      await brokenStore.migrate();
      // SqlQueue provides what QueueWithEvents needs for a shared transaction (checked by the compiler).
      const inner: TransactionalQueue = namespace.queue("table-gone");
      const queue = new QueueWithEvents(inner, brokenStore, { base: "TASK" }, { queueName: "table-gone" });
      await queue.put({ a: 1 });
      await dropEventTables(database.db, brokenTable);

      await expect(queue.put({ b: 2 })).rejects.toBeInstanceOf(QueueUnavailable);
      await expect(queue.get(1)).rejects.toBeInstanceOf(QueueUnavailable);
      expect(await inner.sizes()).toEqual({ WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      await expect(inner.lookupStatus("b")).rejects.toBeInstanceOf(ItemNotFound);
      expect(await inner.lookupStatus("a")).toBe(QueueItemStage.WAITING);
    });
  });
}

describe("QueueWithEvents over SqlQueue and a store on another database", () => {
  it("is not atomic: events are written after the move", async () => {
    const client = new PGlite();
    const queue = await openSqlQueue({ queueName: "elsewhere" });
    try {
      const store = new SqlEventStore(drizzle(client), { table: "events_elsewhere" });
      await store.migrate();
      const wrapped = new QueueWithEvents(queue, store, { base: "TASK" });
      expect(wrapped.atomic).toBe(false);
      await wrapped.put({ x: 1 });
      expect((await wrapped.history("x")).map((entry) => entry.kind)).toEqual(["ADD"]);
      expect((await store.itemHistory("elsewhere", "x")).map((event) => event.name)).toEqual(["TASK_ADD"]);
    } finally {
      await queue.close();
      await client.close();
    }
  });
});
