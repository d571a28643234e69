import {
  hasStats,
  type ItemId,
  type Queue,
  type QueueEvent,
  type QueueEventKind,
  type QueueObserver,
  STAGE_NAMES,
} from "@task-queue/queue-core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Job durations run from a second-long script to a day-long workflow. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
/** Hand-out times remembered for durations; past this the oldest are forgotten (their duration goes unmeasured). */
const MAX_TRACKED_JOBS = 100_000;
/** How far back the oldest-waiting age is read from stats: short, so the scrape reads few rows. */
const OLDEST_WAITING_WINDOW_SECONDS = 60;

const COUNTERS: Record<QueueEventKind, { name: string; help: string }> = {
  put: {
    name: "task_queue_items_put_total",
    help: "Items added by put (ids that already existed are not counted).",
  },
  handedOut: {
    name: "task_queue_items_handed_out_total",
    help: "Items handed out (WAITING → PROCESSING) by get or the controller's releases.",
  },
  succeeded: { name: "task_queue_items_succeeded_total", help: "Items moved PROCESSING → SUCCESS." },
  failed: { name: "task_queue_items_failed_total", help: "Items moved to FAIL for good (no attempts left)." },
  retried: {
    name: "task_queue_items_retried_total",
    help: "Failed attempts whose item went back to WAITING for another attempt.",
  },
  leaseExpired: {
    name: "task_queue_items_lease_expired_total",
    help: "Attempts failed by a rescue because their lease expired (also counted as retried or failed).",
  },
  cancelled: {
    name: "task_queue_items_cancelled_total",
    help: "Items cancelled (WAITING or PROCESSING → FAIL).",
  },
};

/** How a job ended, as the duration histogram's outcome label. */
const OUTCOMES: Partial<Record<QueueEventKind, string>> = {
  succeeded: "success",
  failed: "fail",
  retried: "retry",
  cancelled: "cancel",
};

export interface QueueMetricsOptions {
  /** The queues the scrape-time gauges (items per stage, oldest waiting age) report, by name. */
  queues: () => Promise<ReadonlyArray<readonly [string, Queue]>>;
}

/**
 * The Prometheus metrics of one process, in a registry of its own (never prom-client's global one): default
 * process metrics, items per stage and the oldest waiting age (read at scrape time), and counters and job durations
 * per queue, fed as the QueueObserver of the process's queues (observeNamespace in queue-core). Durations are
 * measured from a hand-out this process made to a completion this process made.
 */
export class QueueMetrics implements QueueObserver {
  readonly registry = new Registry();
  private readonly counters: Record<QueueEventKind, Counter<"queue">>;
  private readonly duration: Histogram<"queue" | "outcome">;
  /** queue NUL id → when this process handed it out (ms). Insertion order is age order. */
  private readonly handedOutAt = new Map<string, number>();

  constructor(options: QueueMetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.counters = Object.fromEntries(
      Object.entries(COUNTERS).map(([kind, { name, help }]) => [
        kind,
        new Counter({ name, help, labelNames: ["queue"], registers }),
      ]),
    ) as Record<QueueEventKind, Counter<"queue">>;
    this.duration = histogramIn(
      this.registry,
      "task_queue_job_duration_seconds",
      "Time from hand-out (PROCESSING) to the attempt's end, by outcome: success, fail, retry, cancel.",
      ["queue", "outcome"],
      DURATION_BUCKETS,
    );
    new Gauge({
      name: "task_queue_items",
      help: "Items in each stage of each queue, read at scrape time.",
      labelNames: ["queue", "stage"],
      registers,
      async collect() {
        this.reset();
        for (const [name, queue] of await options.queues()) {
          const sizes = await queue.sizes();
          for (const stage of STAGE_NAMES) this.set({ queue: name, stage }, sizes[stage]);
        }
      },
    });
    new Gauge({
      name: "task_queue_oldest_waiting_age_seconds",
      help: "Seconds the longest-waiting WAITING item has waited (0 when none waits); for backends with stats.",
      labelNames: ["queue"],
      registers,
      async collect() {
        this.reset();
        for (const [name, queue] of await options.queues()) {
          if (!hasStats(queue)) continue;
          const stats = await queue.stats({ sinceSeconds: OLDEST_WAITING_WINDOW_SECONDS });
          this.set({ queue: name }, stats.oldestWaitingSeconds ?? 0);
        }
      },
    });
  }

  observe(event: QueueEvent): void {
    this.counters[event.kind].inc({ queue: event.queue }, event.ids.length);
    if (event.kind === "handedOut") {
      const now = Date.now();
      for (const id of event.ids) this.remember(event.queue, id, now);
      return;
    }
    const outcome = OUTCOMES[event.kind];
    if (outcome === undefined) return;
    const now = Date.now();
    for (const id of event.ids) {
      const key = jobKey(event.queue, id);
      const since = this.handedOutAt.get(key);
      if (since === undefined) continue;
      this.handedOutAt.delete(key);
      this.duration.observe({ queue: event.queue, outcome }, (now - since) / 1000);
    }
  }

  /** The Prometheus text of every metric in the registry. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private remember(queue: string, id: ItemId, now: number): void {
    const key = jobKey(queue, id);
    this.handedOutAt.delete(key);
    this.handedOutAt.set(key, now);
    if (this.handedOutAt.size > MAX_TRACKED_JOBS) {
      const oldest = this.handedOutAt.keys().next().value;
      if (oldest !== undefined) this.handedOutAt.delete(oldest);
    }
  }
}

const jobKey = (queue: string, id: ItemId): string => `${queue}\u0000${id}`;

/** A histogram in `registry`: the one way this package declares them. */
export function histogramIn<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
