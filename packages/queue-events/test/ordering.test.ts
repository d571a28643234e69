// Two connection pools (as two processes would have) work the same queue concurrently through QueueWithEvents on
// PostgreSQL. Every item's recorded history must be a path the item really took: each move starts where the
// previous one ended, and the last one is where the queue says the item is.
import type { HistoryEntry } from "@task-queue/queue-core";
import { QueueItemStage, stageName } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { QueueWithEvents } from "../src/index.js";
import { SqlEventStore } from "../src/sql/index.js";
import { dropEventTables, openPostgres, randomTableName } from "./support/databases.js";

const ITEMS = 200;

function assertPath(id: string, history: HistoryEntry[]): void {
  expect(history[0], id).toMatchObject({ kind: "ADD", to: "WAITING" });
  for (let i = 1; i < history.length; i++) {
    expect(history[i]!.from, `${id}: move ${i} starts where move ${i - 1} ended`).toBe(history[i - 1]!.to);
  }
}

it("concurrent workers on two pools record each item's moves in the order they happened", async () => {
  const [first, second] = [await openPostgres(), await openPostgres()];
  const queueTable = randomTableName("events_order_q");
  const eventTable = randomTableName();
  const namespaces: SqlQueueNamespace[] = [];
  try {
    const queues = await Promise.all(
      [first, second].map(async (database) => {
        const store = new SqlEventStore(database.db, { table: eventTable });
        await store.migrate();
        const namespace = await SqlQueueNamespace.open({ connection: database.db, tableName: queueTable });
        namespaces.push(namespace);
        return new QueueWithEvents(namespace.queue("race"), store, { base: "RACE" });
      }),
    );
    expect(queues.every((queue) => queue.atomic)).toBe(true);
    const items: Record<string, number> = {};
    for (let i = 0; i < ITEMS; i++) items[`item-${i}`] = i;
    await queues[0]!.put(items);

    // Each item fails twice (and is requeued) before it succeeds; six workers, three on each pool.
    const failures = new Map<string, number>();
    const worker = async (queue: QueueWithEvents): Promise<void> => {
      for (;;) {
        const got = await queue.get(3);
        if (got.length === 0) {
          if ((await queue.size(QueueItemStage.WAITING)) + (await queue.size(QueueItemStage.FAIL)) === 0)
            return;
          await queue.requeue((await queue.lookupState(QueueItemStage.FAIL)).ids);
          continue;
        }
        for (const [id] of got) {
          const failed = failures.get(id) ?? 0;
          if (failed < 2) {
            failures.set(id, failed + 1);
            await queue.fail(id);
          } else await queue.success(id);
        }
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map((n) => worker(queues[n % 2]!)));

    expect(await queues[1]!.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: ITEMS, FAIL: 0 });
    for (let i = 0; i < ITEMS; i++) {
      const id = `item-${i}`;
      const history = await queues[i % 2]!.history(id);
      assertPath(id, history);
      expect(history.map((entry) => entry.to)).toEqual([
        "WAITING",
        "PROCESSING",
        "FAIL",
        "WAITING",
        "PROCESSING",
        "FAIL",
        "WAITING",
        "PROCESSING",
        "SUCCESS",
      ]);
      expect(history.at(-1)!.to).toBe(stageName(await queues[0]!.lookupStatus(id)));
    }
  } finally {
    for (const namespace of namespaces) await namespace.close();
    await first.db.execute(
      sql.raw(
        `drop table if exists "${queueTable}", "${queueTable}_settings", "${queueTable}_counts", "${queueTable}_migrations"`,
      ),
    );
    await first.db.execute(sql.raw(`drop sequence if exists "${queueTable}_ordering_seq"`));
    await dropEventTables(first.db, eventTable);
    await first.close();
    await second.close();
  }
});
