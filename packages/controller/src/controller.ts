import type { Logger, StageSizes } from "@task-queue/queue-core";
import { canPause, hasControllerStatus, inSpan, silentLogger } from "@task-queue/queue-core";
import { type Clock, systemClock } from "./clock.js";
import { applyRetention, type RetentionPolicy } from "./retention.js";
import type { ReleaseStrategy } from "./strategy.js";
import type { WorkQueue } from "./work-queue.js";

/** What one tick did, in counts: the one log line per tick. */
export interface TickReport {
  succeeded: number;
  failed: number;
  /** PROCESSING items the worker lost track of: failed attempts ("job lost") after the grace period. */
  lost: number;
  /** Failed attempts (failed or lost jobs) whose items went back to WAITING for another attempt. */
  retried: number;
  released: number;
  /** Released items the worker refused (moved to FAIL). */
  sendFailed: number;
  /** Items that can never run under the strategy (moved to FAIL). */
  rejected: number;
  paused: boolean;
  /** Finished items removed by the retention policy this tick. */
  purged: number;
  /** History events removed by the retention policy this tick. */
  trimmedEvents: number;
  sizes: StageSizes;
}

export interface ControllerOptions {
  workQueue: WorkQueue;
  strategy: ReleaseStrategy;
  /** Removes old SUCCESS/FAIL items after each tick's work, a bounded number per tick, in small batches. */
  retention?: RetentionPolicy;
  /**
   * Tick lines: at info when the tick moved something or the pause state changed, else at debug, with one info
   * line (heartbeat: true) at least every this many ms (default one minute) so a quiet controller is seen alive.
   */
  heartbeatMs?: number;
  /**
   * Record the controller's status with the queue after each tick (backends that store one: memory, SQL), so the
   * console and every process see who leads, whether it is paused and when it last ticked. `identity` names this
   * process for people (host/pid; never a secret); `periodSeconds` is the loop's period, by which a status is stale.
   */
  status?: { identity: string; periodSeconds: number };
  logger?: Logger;
  clock?: Clock;
}

export const DEFAULT_HEARTBEAT_MS = 60_000;

/** One tick of the controller: status updates first (they free capacity), then releasing under the strategy. */
export class Controller {
  readonly workQueue: WorkQueue;
  readonly strategy: ReleaseStrategy;
  private readonly logger: Logger;
  private readonly retention: RetentionPolicy | undefined;
  private readonly clock: Clock;
  private readonly heartbeatMs: number;
  private readonly status: ControllerOptions["status"];
  /** When the last tick line at info was written; null before the first. */
  private lastInfoAt: number | null = null;
  private lastPaused: boolean | null = null;

  constructor(options: ControllerOptions) {
    this.workQueue = options.workQueue;
    this.strategy = options.strategy;
    this.retention = options.retention;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.status = options.status;
  }

  /**
   * Status updates, then releasing unless `options.release` is false (the loop's in-process pause) or the queue's
   * stored pause flag is set (read every tick, so a pause from the API or another process holds from the next tick).
   * `stillLeading` is asked after the status updates: a controller that lost leadership meanwhile (its lock's
   * connection closed, its lease ran out) releases nothing.
   */
  tick(options: { release: boolean; stillLeading?: () => boolean } = { release: true }): Promise<TickReport> {
    return inSpan("controller.tick", {}, async (span) => {
      const report = await this.runTick(options);
      span.setAttributes({
        "task_queue.released": report.released,
        "task_queue.succeeded": report.succeeded,
        "task_queue.failed": report.failed,
        "task_queue.lost": report.lost,
        "task_queue.paused": report.paused,
      });
      return report;
    });
  }

  private async runTick(options: { release: boolean; stillLeading?: () => boolean }): Promise<TickReport> {
    const update = await this.workQueue.updateJobStatus();
    let push = { sent: [] as string[], sendFailed: [] as string[], rejected: [] as string[] };
    const queue = this.workQueue.queue;
    const release = options.release && !(canPause(queue) && (await queue.isPaused()));
    if (release && (options.stillLeading?.() ?? true)) {
      const count = await this.strategy.releaseCount(this.workQueue.queue);
      if (count > 0) {
        const rejectReason = this.strategy.rejectReason?.bind(this.strategy);
        push = await this.workQueue.pushNextJobs(count, rejectReason ? { rejectReason } : {});
      }
    }
    let purged = 0;
    let trimmedEvents = 0;
    if (this.retention && (options.stillLeading?.() ?? true)) {
      try {
        const removed = await applyRetention(this.workQueue.queue, this.retention, this.logger);
        purged = removed.SUCCESS + removed.FAIL;
        trimmedEvents = removed.events;
      } catch (error) {
        // Retention is housekeeping: a failed run is tried again next tick and never stops the tick's report.
        this.logger.warn({ err: error }, "retention failed; trying again next tick");
      }
    }
    const report: TickReport = {
      succeeded: update.succeeded.length,
      failed: update.failed.length,
      lost: update.lost.length,
      retried: update.retried.length,
      released: push.sent.length,
      sendFailed: push.sendFailed.length,
      rejected: push.rejected.length,
      paused: !release,
      purged,
      trimmedEvents,
      sizes: await this.workQueue.queue.sizes(),
    };
    this.logTick(report);
    await this.recordStatus(report.paused, options.stillLeading?.() ?? true);
    return report;
  }

  /** Observability, not work: a status that cannot be written is logged, and the next tick tries again. */
  private async recordStatus(paused: boolean, leader: boolean): Promise<void> {
    const queue = this.workQueue.queue;
    if (this.status === undefined || !hasControllerStatus(queue)) return;
    try {
      await queue.recordControllerStatus({ ...this.status, leader, paused });
    } catch (error) {
      this.logger.warn({ err: error }, "could not record the controller status; trying again next tick");
    }
  }

  /** Idle ticks at debug, so a quiet queue does not fill the log; see heartbeatMs. */
  private logTick(report: TickReport): void {
    const now = this.clock.now();
    const moved =
      report.succeeded +
        report.failed +
        report.lost +
        report.retried +
        report.released +
        report.sendFailed +
        report.rejected +
        report.purged +
        report.trimmedEvents >
      0;
    const changed = this.lastPaused !== null && report.paused !== this.lastPaused;
    this.lastPaused = report.paused;
    if (moved || changed) {
      this.lastInfoAt = now;
      this.logger.info({ ...report }, "tick");
    } else if (this.lastInfoAt === null || now - this.lastInfoAt >= this.heartbeatMs) {
      this.lastInfoAt = now;
      this.logger.info({ ...report, heartbeat: true }, "tick");
    } else this.logger.debug({ ...report }, "tick");
  }
}
