import { QueueMetrics } from "@task-queue/metrics";
import type { QueueNamespace } from "@task-queue/queue-core";
import { Counter, Histogram } from "prom-client";

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The queues a server reports: the default queue and every queue that holds items, by name. */
export async function servedQueueNames(queues: QueueNamespace, defaultQueue: string): Promise<string[]> {
  return [...new Set([defaultQueue, ...(await queues.listQueues())])].sort();
}

/** A server's QueueMetrics: its gauges report the default queue and every queue that holds items. */
export function serverMetrics(queues: QueueNamespace, defaultQueue: string): QueueMetrics {
  return new QueueMetrics({
    queues: async () =>
      (await servedQueueNames(queues, defaultQueue)).map((name) => [name, queues.queue(name)] as const),
  });
}

/** Request counts by method, route and status, and latency histograms by method and route. */
export class RequestMetrics {
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly duration: Histogram<"method" | "route">;

  constructor(metrics: QueueMetrics) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: "task_queue_http_requests_total",
      help: "HTTP requests answered, by method, route and status.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "task_queue_http_request_duration_seconds",
      help: "Time to answer HTTP requests.",
      labelNames: ["method", "route"],
      buckets: BUCKETS,
      registers,
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }
}
