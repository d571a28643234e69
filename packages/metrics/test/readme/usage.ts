import { Controller, ProcessingLimit, ServiceLoop, WorkQueue } from "@task-queue/controller";
import { ControllerMetrics, QueueMetrics } from "@task-queue/metrics";
import { InMemoryQueue, observeQueue } from "@task-queue/queue-core";
import { DummyWorker } from "@task-queue/queue-core/testing";

const queue = new InMemoryQueue();
const worker = new DummyWorker(); // any QueueWorker: ProcessWorker, ArgoWorkflowsWorker
const metrics = new QueueMetrics({ queues: async () => [["default", queue]] });
const workQueue = new WorkQueue(observeQueue(queue, "default", metrics), worker);
const controller = new Controller({ workQueue, strategy: new ProcessingLimit(4) });
const tickMetrics = new ControllerMetrics(metrics, {
  queue: "default",
  leading: (): boolean => loop.leading,
});
const loop = new ServiceLoop({
  periodMs: 5_000,
  tick: (o) => tickMetrics.timeTick(() => controller.tick(o)),
});

await queue.put({ "job-1": {} });
setTimeout(() => void loop.stop(), 100); // the app stops it on SIGTERM
await loop.run();
// GET /metrics: response.end(await metrics.render()) with content-type metrics.contentType
console.log(metrics.contentType, await metrics.render());
