import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { QueueItemStage } from "@task-queue/queue-core";
import { EVERY_CAPABILITY, runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drizzleOf } from "../src/database.js";
import { openSqlQueue } from "../src/index.js";
import { pgliteDatabase } from "../src/pglite.js";

// Starting PGlite takes a second or two, so each group shares one database and gives every case its own queue
// name: a fresh, empty queue, as the suite needs. The database starts in a hook, so no case's timeout pays for it;
// cases get a long timeout anyway, since CI runs every package's tests at once on a shared machine.
const CASE_TIMEOUT_MS = 90_000;
let memory: PGlite | undefined;
let memoryCase = 0;
beforeAll(async () => {
  memory = await PGlite.create();
});

/** The database a hook started; cases run after their hooks. */
function started(pg: PGlite | undefined): PGlite {
  if (!pg) throw new Error("PGlite was not started by the beforeAll hook");
  return pg;
}
afterAll(async () => {
  await memory?.close();
});

runQueueConformance(
  "SqlQueue on PGlite in memory",
  () => {
    return openSqlQueue({ connection: pgliteDatabase(started(memory)), queueName: `memory-${memoryCase++}` });
  },
  EVERY_CAPABILITY,
  { implementation: "SQLQueue", timeoutMs: CASE_TIMEOUT_MS },
);

it("opens PGlite in memory when given no connection, and closes it", async () => {
  const queue = await openSqlQueue();
  await queue.put({ only: 1 });
  expect(await queue.description()).toEqual({
    implementation: "SQLQueue",
    arguments: {
      driver: "pglite",
      queue_name: "default",
      table_name: "task_queue_items",
      connection: "pglite://memory",
    },
  });
  await queue.close();
  await expect(drizzleOf(queue.database).execute("SELECT 1")).rejects.toThrow();
});

describe("SqlQueue on PGlite on disk", () => {
  let dir: string;
  let disk: PGlite | undefined;
  let diskCase = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "queue-sql-pglite-"));
    disk = await PGlite.create(join(dir, "conformance"));
  });
  afterAll(async () => {
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  runQueueConformance(
    "SqlQueue on PGlite on disk",
    () => {
      return openSqlQueue({ connection: pgliteDatabase(started(disk)), queueName: `disk-${diskCase++}` });
    },
    EVERY_CAPABILITY,
    { implementation: "SQLQueue", timeoutMs: CASE_TIMEOUT_MS },
  );

  it("reopening the data folder finds the items where they were", async () => {
    const dataDir = join(dir, "reopen");
    const first = await openSqlQueue({ connection: `pglite://${dataDir}`, queueName: "kept" });
    await first.put({ a: { n: 1 }, b: { n: 2 }, c: { n: 3 } });
    expect((await first.get(1)).map(([id]) => id)).toEqual(["a"]);
    await first.success("a");
    await first.close();

    const second = await openSqlQueue({ pglite: { dataDir }, queueName: "kept" });
    try {
      expect(await second.sizes()).toEqual({ WAITING: 2, PROCESSING: 0, SUCCESS: 1, FAIL: 0 });
      expect(await second.lookupItem("b")).toEqual({
        itemId: "b",
        status: QueueItemStage.WAITING,
        itemBody: { n: 2 },
      });
      expect((await second.get(5)).map(([id]) => id)).toEqual(["b", "c"]);
      expect((await second.description()).arguments.connection).toBe(`pglite://${dataDir}`);
    } finally {
      await second.close();
    }
  });
});
