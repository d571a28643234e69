import { InvalidArgument } from "@task-queue/queue-core";
import { and, eq } from "drizzle-orm";
import { pgSchema, text } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { SqlEventStore } from "../src/sql/index.js";
import { runEventStoreConformance } from "../src/testing/index.js";
import { databases, dropEventTables, randomTableName } from "./support/databases.js";

const catalog = pgSchema("pg_catalog");
const pgIndexes = catalog.table("pg_indexes", {
  tablename: text("tablename").notNull(),
  indexname: text("indexname").notNull(),
  indexdef: text("indexdef").notNull(),
});

for (const { label, open } of databases) {
  runEventStoreConformance(`SqlEventStore on ${label}`, async () => {
    const database = await open();
    const table = randomTableName();
    const store = new SqlEventStore(database.db, { table });
    await store.migrate();
    return {
      store,
      dispose: async () => {
        await dropEventTables(database.db, table);
        await database.close();
      },
    };
  });

  describe(`SqlEventStore migrations on ${label}`, () => {
    it("migrate() is idempotent, also when run concurrently, and creates the indexes for both reads", async () => {
      const database = await open();
      const table = randomTableName();
      try {
        const store = new SqlEventStore(database.db, { table });
        await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
        await store.migrate();
        const added = await store.add({ name: "N", data: { queue: "q", id: "i" } });
        await store.migrate();
        expect(await store.itemHistory("q", "i")).toEqual([added]);
        const indexes = await database.db
          .select({ name: pgIndexes.indexname, definition: pgIndexes.indexdef })
          .from(pgIndexes)
          .where(and(eq(pgIndexes.tablename, table)));
        const byName = Object.fromEntries(indexes.map((index) => [index.name, index.definition]));
        expect(byName[`${table}_name_time_idx`]).toMatch(/\(name, "time", id\)/);
        expect(byName[`${table}_item_idx`]).toMatch(/\(queue, item_id, id\)/);
      } finally {
        await dropEventTables(database.db, table);
        await database.close();
      }
    });

    it("two stores with different tables on one database do not see each other's events", async () => {
      const database = await open();
      const [tableA, tableB] = [randomTableName(), randomTableName()];
      try {
        const a = new SqlEventStore(database.db, { table: tableA });
        const b = new SqlEventStore(database.db, { table: tableB });
        await Promise.all([a.migrate(), b.migrate()]);
        await a.add({ name: "N", data: { queue: "q", id: "i" } });
        expect(await b.itemHistory("q", "i")).toEqual([]);
        expect((await b.readByName("N")).events).toEqual([]);
        expect(await a.itemHistory("q", "i")).toHaveLength(1);
      } finally {
        await dropEventTables(database.db, tableA);
        await dropEventTables(database.db, tableB);
        await database.close();
      }
    });
  });
}

describe("SqlEventStore table names", () => {
  it("accepts only plain lower-case identifiers, since the name goes into DDL", async () => {
    const database = await databases[0]!.open();
    try {
      for (const table of ['x"; drop table y; --', "Upper", "1starts_with_digit", "", "a".repeat(49)]) {
        expect(() => new SqlEventStore(database.db, { table }), table).toThrow(InvalidArgument);
      }
      expect(new SqlEventStore(database.db).table).toBe("task_queue_events");
    } finally {
      await database.close();
    }
  });
});
