import type { QueueNamespace } from "@task-queue/queue-core";
import { STAGE_NAMES } from "@task-queue/queue-core";

// Written by hand rather than with prom-client: three metric families in a few dozen lines, no global registry.
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const escapeLabel = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

const labels = (pairs: Record<string, string>): string =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",")}}`;

interface Series {
  method: string;
  route: string;
  count: Map<number, number>;
  buckets: number[];
  sum: number;
  observations: number;
}

/** Request counts by method, route and status, and latency histograms by method and route. */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = { method, route, count: new Map(), buckets: BUCKETS.map(() => 0), sum: 0, observations: 0 };
      this.series.set(key, series);
    }
    series.count.set(status, (series.count.get(status) ?? 0) + 1);
    for (const [i, bound] of BUCKETS.entries()) if (seconds <= bound) series.buckets[i]!++;
    series.sum += seconds;
    series.observations++;
  }

  render(): string {
    const lines = [
      "# HELP task_queue_http_requests_total HTTP requests answered, by method, route and status.",
      "# TYPE task_queue_http_requests_total counter",
    ];
    for (const s of this.series.values()) {
      for (const [status, n] of s.count) {
        lines.push(
          `task_queue_http_requests_total${labels({ method: s.method, route: s.route, status: String(status) })} ${n}`,
        );
      }
    }
    lines.push(
      "# HELP task_queue_http_request_duration_seconds Time to answer HTTP requests.",
      "# TYPE task_queue_http_request_duration_seconds histogram",
    );
    for (const s of this.series.values()) {
      const base = { method: s.method, route: s.route };
      for (const [i, bound] of BUCKETS.entries()) {
        lines.push(
          `task_queue_http_request_duration_seconds_bucket${labels({ ...base, le: String(bound) })} ${s.buckets[i]}`,
        );
      }
      lines.push(
        `task_queue_http_request_duration_seconds_bucket${labels({ ...base, le: "+Inf" })} ${s.observations}`,
        `task_queue_http_request_duration_seconds_sum${labels(base)} ${s.sum}`,
        `task_queue_http_request_duration_seconds_count${labels(base)} ${s.observations}`,
      );
    }
    return `${lines.join("\n")}\n`;
  }
}

/** Items per stage for the default queue and every queue that holds items, read at scrape time. */
export async function renderQueueGauges(queues: QueueNamespace, defaultQueue: string): Promise<string> {
  const names = [...new Set([defaultQueue, ...(await queues.listQueues())])].sort();
  const lines = [
    "# HELP task_queue_items Items in each stage of each queue.",
    "# TYPE task_queue_items gauge",
  ];
  for (const name of names) {
    const sizes = await queues.queue(name).sizes();
    for (const stage of STAGE_NAMES)
      lines.push(`task_queue_items${labels({ queue: name, stage })} ${sizes[stage]}`);
  }
  return `${lines.join("\n")}\n`;
}
