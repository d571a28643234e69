import { openSqlQueue, SqlQueueNamespace } from "@task-queue/queue-sql";

// Embedded (the default is PGlite in memory); "pglite://./data" or { pglite: { dataDir } } keeps it on disk.
const queue = await openSqlQueue({ connection: "pglite://./data", queueName: "jobs" });
await queue.put({ "job-1": { file: "a.csv" }, "job-2": { file: "b.csv" } });
const batch = await queue.get(100); // [[id, body], …], oldest first, now PROCESSING
await queue.successMany(batch.map(([id]) => id)); // one statement for the whole batch

// The job lifecycle: priorities, delays, retries, leases with fencing, waiting for work.
await queue.putJobs([{ id: "job-3", body: {}, priority: 10, maxAttempts: 3, delaySeconds: 5 }]);
const jobs = await queue.getJobs(10, { leaseSeconds: 60, waitSeconds: 20 }); // LISTEN/NOTIFY wakes it
for (const job of jobs) {
  await queue.extend(job.itemId, { attempt: job.attempt, leaseSeconds: 60 }); // heartbeat
  await queue.success(job.itemId, { attempt: job.attempt, result: { rows: 42 } }); // LeaseLost if not current
}
await queue.close();

// A server, many queues over one connection pool.
const ns = await SqlQueueNamespace.open({
  connection: "postgres://app:pw@db/app",
  tableName: "task_queue_items", // the default
  poolSize: 20,
});
await ns.queue("emails").put({ m1: { to: "x@example.com" } });
console.log(await ns.listQueues()); // ["emails"]
await ns.close();
