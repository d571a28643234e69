// The README's usage example, verbatim between the markers; readme.test.ts runs it and checks the README still
// shows exactly this code.
import type { HistoryEntry } from "@task-queue/queue-core";

export async function readmeExample(): Promise<HistoryEntry[]> {
  // README example start
  const { openSqlQueue } = await import("@task-queue/queue-sql");
  const { QueueWithEvents, SqlEventStore } = await import("@task-queue/queue-events");

  const sqlQueue = await openSqlQueue({ queueName: "renders" }); // PGlite in memory; or a postgres:// URL
  const store = new SqlEventStore(sqlQueue.database); // same database: moves and events share a transaction
  await store.migrate();
  const queue = new QueueWithEvents(sqlQueue, store, { base: "TASK" }); // TASK_ADD, TASK_MOVE

  await queue.put({ "frame-1": { scene: "intro" } });
  await queue.get(1); // records WAITING → PROCESSING
  await queue.fail("frame-1");
  await queue.requeue("frame-1");
  await queue.get(1);
  await queue.success("frame-1");

  const history = await queue.history("frame-1");
  // [{ eventId: "1", time: "2026-…Z", kind: "ADD", from: null, to: "WAITING" },
  //  { eventId: "2", time: "2026-…Z", kind: "MOVE", from: "WAITING", to: "PROCESSING" }, … , to: "SUCCESS" }]
  await queue.close(); // closes sqlQueue; the store does not own a connection
  // README example end
  return history;
}
