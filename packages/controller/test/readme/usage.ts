import { Controller, ProcessingLimit, ServiceLoop, WorkQueue } from "@task-queue/controller";
import { openSqlQueue } from "@task-queue/queue-sql";
import { PostgresLeaderElection } from "@task-queue/queue-sql/postgres";
import { ProcessWorker } from "@task-queue/worker-process";

const connection = "postgres://app@db/app";
const logger = console; // any pino-compatible logger
const queue = await openSqlQueue({ connection, tableName: "task_queue_items", queueName: "default" });
const worker = new ProcessWorker({ scriptsDir: "./scripts", logger });
const workQueue = new WorkQueue(queue, worker, { gracePeriodMs: 60_000, logger });
const controller = new Controller({ workQueue, strategy: new ProcessingLimit(4), logger });
// One active controller per queue: PostgresLeaderElection (queue-sql), S3LeaderElection (queue-s3), or
// InMemoryLeaderElection (queue-core) for queues that live in one process. Optional: without it the loop always ticks.
const election = new PostgresLeaderElection({
  connection,
  tableName: "task_queue_items",
  queueName: "default",
});
const loop = new ServiceLoop({ periodMs: 5_000, tick: (o) => controller.tick(o), election, logger });

process.on("SIGTERM", () => void loop.stop()); // the app owns signals; the loop only has methods
process.on("SIGUSR2", () => loop.pause());
process.on("SIGCONT", () => loop.resume());
await loop.run(); // resolves after the tick that was running when stop() was called
await Promise.all([worker.close(), queue.close()]);
