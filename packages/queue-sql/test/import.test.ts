import { PGlite } from "@electric-sql/pglite";
import { InvalidItem, QueueItemStage } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForeignTableError, migrateQueueTable, openSqlQueue, type SqlQueue } from "../src/index.js";
import { pgliteDatabase } from "../src/pglite.js";

let pg: PGlite;
let queue: SqlQueue;

beforeAll(async () => {
  pg = await PGlite.create();
  queue = await openSqlQueue({ connection: pgliteDatabase(pg), queueName: "imported" });
});

afterAll(async () => {
  await queue?.close();
  await pg?.close();
});

describe("importItems (migrations from another store)", () => {
  it("adds items at their stages, in order, and skips them when run again", async () => {
    const items = [
      { id: "w1", body: { n: 1 }, stage: QueueItemStage.WAITING },
      { id: "p1", body: { n: 2 }, stage: QueueItemStage.PROCESSING },
      { id: "s1", body: [3], stage: QueueItemStage.SUCCESS },
      { id: "f1", body: "four", stage: QueueItemStage.FAIL },
      { id: "w2", body: { n: 5 }, stage: QueueItemStage.WAITING },
    ];
    expect(await queue.importItems(items)).toEqual({ added: ["w1", "p1", "s1", "f1", "w2"], skipped: [] });
    expect(await queue.sizes()).toEqual({ WAITING: 2, PROCESSING: 1, SUCCESS: 1, FAIL: 1 });
    expect(await queue.lookupItem("f1")).toMatchObject({ status: QueueItemStage.FAIL, itemBody: "four" });
    expect(await queue.importItems(items)).toEqual({ added: [], skipped: ["w1", "p1", "s1", "f1", "w2"] });
    expect(await queue.sizes()).toEqual({ WAITING: 2, PROCESSING: 1, SUCCESS: 1, FAIL: 1 });
    // WAITING items come out in the order given; an imported PROCESSING item completes as any other.
    expect((await queue.get(2)).map(([id]) => id)).toEqual(["w1", "w2"]);
    await queue.success("p1");
    await queue.requeue(["f1"]);
    expect(await queue.sizes()).toEqual({ WAITING: 1, PROCESSING: 2, SUCCESS: 2, FAIL: 0 });
  });

  it("checks items as put does, importing nothing from a bad batch", async () => {
    await expect(
      queue.importItems([
        { id: "ok", body: 1, stage: QueueItemStage.WAITING },
        { id: "", body: 1, stage: QueueItemStage.WAITING },
      ]),
    ).rejects.toThrow(InvalidItem);
    await expect(queue.lookupStatus("ok")).rejects.toThrow();
  });
});

describe("a table name taken by another layout", () => {
  it("names the Python task-queue's sqlqueue table instead of failing with relation already exists", async () => {
    await pg.exec(`CREATE TABLE sqlqueue (id serial PRIMARY KEY, queue_item_stage integer, json_data varchar NOT NULL,
      index_key varchar NOT NULL, queue_name varchar NOT NULL)`);
    const error = await migrateQueueTable(queue.database, "sqlqueue").catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ForeignTableError);
    expect(error).toMatchObject({ legacy: true, tableName: "sqlqueue" });
    expect(String(error)).toMatch(/Python task-queue's SqlQueue table/);

    await pg.exec("CREATE TABLE other_things (id int)");
    await expect(migrateQueueTable(queue.database, "other_things")).rejects.toMatchObject({ legacy: false });
  });
});
