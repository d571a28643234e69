const { openSqlQueue } = await import("@task-queue/queue-sql");
const { QueueWithEvents } = await import("@task-queue/queue-events");
const { SqlEventStore } = await import("@task-queue/queue-events/sql"); // loads queue-sql: only when asked

const sqlQueue = await openSqlQueue({ queueName: "renders" }); // PGlite in memory; or a postgres:// URL
const store = new SqlEventStore(sqlQueue.database); // same database: moves and events share a transaction
await store.migrate();
const queue = new QueueWithEvents(sqlQueue, store, { base: "TASK" }); // TASK_ADD, TASK_MOVE

await queue.putJobs([{ id: "frame-1", body: { scene: "intro" }, maxAttempts: 2 }]);
const [first] = await queue.getJobs(1, { leaseSeconds: 60 }); // records WAITING → PROCESSING, attempt 1
await queue.fail("frame-1", { attempt: first!.attempt, reason: "out of memory", retryDelaySeconds: 0 }); // RETRY
const [second] = await queue.getJobs(1, { leaseSeconds: 60 }); // attempt 2
await queue.success("frame-1", { attempt: second!.attempt, result: { frames: 240 } });
await queue.delete(["frame-1"]); // the item is gone; its history ends with a DELETE entry

console.log(await queue.history("frame-1"));
// [{ eventId: "1", time: "2026-…Z", kind: "ADD", from: null, to: "WAITING" },
//  { eventId: "2", time: "2026-…Z", kind: "MOVE", from: "WAITING", to: "PROCESSING" },
//  { eventId: "3", …, from: "PROCESSING", to: "WAITING", reason: "out of memory", action: "RETRY" }, …,
//  { eventId: "6", …, from: "SUCCESS", to: "SUCCESS", action: "DELETE" }]
await queue.close(); // closes sqlQueue; the store does not own a connection
