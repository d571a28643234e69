// Typechecked in a project that installed the packed tarballs (skipLibCheck false): every public entry point's types.
import { ApiClient } from "@task-queue/api-client";
import { type App, createApp } from "@task-queue/api-server";
import { Controller, ProcessingLimit, ServiceLoop, WorkQueue } from "@task-queue/controller";
import { ServerMetrics } from "@task-queue/metrics";
import {
  InMemoryQueue,
  InMemoryQueueNamespace,
  isQueueError,
  type Queue,
  QueueItemStage,
  stageName,
} from "@task-queue/queue-core";
import { DummyWorker, runQueueConformance } from "@task-queue/queue-core/testing";
import { InMemoryEventStore, QueueWithEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { S3Queue } from "@task-queue/queue-s3";
import { openSqlQueue, type SqlDatabase, type SqlQueue, SqlQueueNamespace } from "@task-queue/queue-sql";
import { pgliteDatabase } from "@task-queue/queue-sql/pglite";
import { PostgresLeaderElection, postgresDatabase } from "@task-queue/queue-sql/postgres";
import { ArgoWorkflowsWorker } from "@task-queue/worker-argo";
import { ProcessWorker } from "@task-queue/worker-process";

const queue: Queue = new InMemoryQueue();
const namespace = new InMemoryQueueNamespace();
const app: App = createApp({ queues: namespace, metrics: new ServerMetrics(namespace, "default") });
const client: Queue = new ApiClient({ baseUrl: "http://127.0.0.1:8001" });

export async function run(): Promise<string> {
  await queue.put({ a: 1 });
  const [job] = await queue.getJobs(1, { leaseSeconds: 30 });
  if (job) await queue.success(job.itemId, { attempt: job.attempt });
  try {
    await queue.success("a");
  } catch (error) {
    if (isQueueError(error, "INVALID_TRANSITION")) return error.from;
  }
  const response = await app.request("/healthz");
  return `${stageName(QueueItemStage.SUCCESS)} ${response.status}`;
}

export async function recorded(): Promise<number> {
  const sqlQueue: SqlQueue = await openSqlQueue({ connection: "pglite://memory" });
  const database: SqlDatabase = sqlQueue.database;
  const store = new SqlEventStore(database);
  await store.migrate();
  const withEvents = new QueueWithEvents(sqlQueue, store, { base: "TASK" });
  await withEvents.put({ a: 1 });
  const history = await withEvents.history("a");
  await withEvents.close();
  return history.length;
}

export const used = [
  client,
  Controller,
  ProcessingLimit,
  ServiceLoop,
  WorkQueue,
  DummyWorker,
  runQueueConformance,
  InMemoryEventStore,
  S3Queue,
  SqlQueueNamespace,
  pgliteDatabase,
  postgresDatabase,
  PostgresLeaderElection,
  ArgoWorkflowsWorker,
  ProcessWorker,
];
