import { type QueueNamespace, servedQueueNames } from "@task-queue/queue-core";
import { Counter, type Histogram } from "prom-client";
import { histogramIn, QueueMetrics } from "./queue-metrics.js";

const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * An API server's metrics (api-server's AppOptions.metrics): QueueMetrics reporting the default queue and every queue
 * that holds items, and request counts and latencies by method and route pattern.
 */
export class ServerMetrics extends QueueMetrics {
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly requestDuration: Histogram<"method" | "route">;

  constructor(queues: QueueNamespace, defaultQueue: string) {
    super({
      queues: async () =>
        (await servedQueueNames(queues, defaultQueue)).map((name) => [name, queues.queue(name)] as const),
    });
    const registers = [this.registry];
    this.requests = new Counter({
      name: "task_queue_http_requests_total",
      help: "HTTP requests answered, by method, route and status.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.requestDuration = histogramIn(
      this.registry,
      "task_queue_http_request_duration_seconds",
      "Time to answer HTTP requests.",
      ["method", "route"],
      REQUEST_BUCKETS,
    );
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestDuration.observe({ method, route }, seconds);
  }
}
