// Not transactional (the queue is not a SqlQueue on the store's database): events are written after the move.
// A failed write keeps the move, reports the lost events, and does not fail the caller.
import { InMemoryQueue, type Logger, QueueItemStage } from "@task-queue/queue-core";
import { describe, expect, it } from "vitest";
import { type NewEvent, QueueWithEvents } from "../src/index.js";
import { SqlEventStore } from "../src/sql/index.js";
import { dropEventTables, openPglite, randomTableName } from "./support/databases.js";

describe("QueueWithEvents over InMemoryQueue when the event store write fails", () => {
  it("keeps the move, reports the lost events to the logger and onLostEvents, and does not throw", async () => {
    const database = await openPglite();
    const table = randomTableName();
    const store = new SqlEventStore(database.db, { table });
    await store.migrate();
    const logged: Array<Record<string, unknown>> = [];
    const record = (obj: Record<string, unknown>): void => {
      logged.push(obj);
    };
    const logger: Logger = { debug: () => {}, info: () => {}, warn: record, error: record };
    const lost: NewEvent[][] = [];
    const queue = new QueueWithEvents(
      new InMemoryQueue(),
      store,
      { base: "T" },
      {
        logger,
        onLostEvents: (events) => {
          lost.push(events);
        },
      },
    );
    try {
      await queue.put({ kept: 1 });
      // The store breaks: every write from now on fails in the database.
      await dropEventTables(database.db, table);
      expect(await queue.put({ a: 1 })).toEqual({ added: ["a"], skipped: [] });
      expect(await queue.get(2)).toEqual([
        ["kept", 1],
        ["a", 1],
      ]);
      expect(await queue.lookupStatus("a")).toBe(QueueItemStage.PROCESSING);
      expect(lost.map((events) => events.map((event) => [event.name, event.data.id]))).toEqual([
        [["T_ADD", "a"]],
        [
          ["T_MOVE", "kept"],
          ["T_MOVE", "a"],
        ],
      ]);
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatchObject({ lostEvents: 1, queue: "default" });
      expect(String(logged[0]!.err)).toMatch(/does not exist/);
    } finally {
      await database.close();
    }
  });
});
