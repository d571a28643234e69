import type { Logger, StageSizes } from "@task-queue/queue-core";
import { canPause, silentLogger } from "@task-queue/queue-core";
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
  logger?: Logger;
}

/** One tick of the controller: status updates first (they free capacity), then releasing under the strategy. */
export class Controller {
  readonly workQueue: WorkQueue;
  readonly strategy: ReleaseStrategy;
  private readonly logger: Logger;
  private readonly retention: RetentionPolicy | undefined;

  constructor(options: ControllerOptions) {
    this.workQueue = options.workQueue;
    this.strategy = options.strategy;
    this.retention = options.retention;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Status updates, then releasing unless `options.release` is false (the loop's in-process pause) or the queue's
   * stored pause flag is set (read every tick, so a pause from the API or another process holds from the next tick).
   * `stillLeading` is asked after the status updates: a controller that lost leadership meanwhile (its lock's
   * connection closed, its lease ran out) releases nothing.
   */
  async tick(
    options: { release: boolean; stillLeading?: () => boolean } = { release: true },
  ): Promise<TickReport> {
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
    this.logger.info({ ...report }, "tick");
    return report;
  }
}
