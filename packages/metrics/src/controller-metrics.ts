import { Counter, Gauge, type Histogram } from "prom-client";
import { histogramIn, type QueueMetrics } from "./queue-metrics.js";

/** The counts of one controller tick these metrics need (the controller's TickReport fits). */
export interface TickCounts {
  released: number;
  lost: number;
  sendFailed: number;
  paused: boolean;
}

export interface ControllerMetricsOptions {
  /** The queue the controller serves: the label of its leader and paused gauges. */
  queue: string;
  /** Whether this controller leads its queue now (read at scrape time). */
  leading: () => boolean;
}

/** A controller's own metrics, in the registry of the process's QueueMetrics. */
export class ControllerMetrics {
  private readonly queue: string;
  private readonly lastTick: Gauge;
  private readonly tickDuration: Histogram;
  private readonly released: Counter<"queue">;
  private readonly lost: Counter<"queue">;
  private readonly sendFailed: Counter<"queue">;
  private readonly paused: Gauge<"queue">;

  constructor(metrics: QueueMetrics, options: ControllerMetricsOptions) {
    const registers = [metrics.registry];
    const labels = { queue: options.queue };
    this.queue = options.queue;
    this.lastTick = new Gauge({
      name: "task_queue_controller_last_tick_timestamp_seconds",
      help: "When the last tick ended (Unix time), failed or not; stays put while the controller stands by.",
      registers,
    });
    this.tickDuration = histogramIn(
      metrics.registry,
      "task_queue_controller_tick_duration_seconds",
      "Time one controller tick took (status updates, releases, retention).",
      [],
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ["queue"] as const, registers });
    this.released = counter("task_queue_controller_released_total", "Items sent to the worker.");
    this.lost = counter(
      "task_queue_controller_lost_total",
      "PROCESSING items the worker did not know past the grace period (failed attempts, reason job lost).",
    );
    this.sendFailed = counter(
      "task_queue_controller_send_failed_total",
      "Released items the worker refused.",
    );
    this.paused = new Gauge({
      name: "task_queue_controller_paused",
      help: "1 while releasing is paused (stored pause flag or signal), as of the last tick; else 0.",
      labelNames: ["queue"],
      registers,
    });
    new Gauge({
      name: "task_queue_controller_leader",
      help: "1 while this controller leads its queue, 0 while it stands by.",
      labelNames: ["queue"],
      registers,
      collect() {
        this.set(labels, options.leading() ? 1 : 0);
      },
    });
    // Present from the first scrape, before any tick.
    for (const c of [this.released, this.lost, this.sendFailed]) c.inc(labels, 0);
    this.paused.set(labels, 0);
  }

  /** Runs one tick, timing it and counting what it reports. */
  async timeTick<R extends TickCounts>(tick: () => Promise<R>): Promise<R> {
    const end = this.tickDuration.startTimer();
    try {
      const report = await tick();
      const labels = { queue: this.queue };
      this.released.inc(labels, report.released);
      this.lost.inc(labels, report.lost);
      this.sendFailed.inc(labels, report.sendFailed);
      this.paused.set(labels, report.paused ? 1 : 0);
      return report;
    } finally {
      end();
      this.lastTick.setToCurrentTime();
    }
  }
}
