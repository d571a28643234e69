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
import { S3Queue } from "@task-queue/queue-s3";
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

export const used = [
  client,
  Controller,
  ProcessingLimit,
  ServiceLoop,
  WorkQueue,
  DummyWorker,
  runQueueConformance,
  S3Queue,
  ArgoWorkflowsWorker,
  ProcessWorker,
];
