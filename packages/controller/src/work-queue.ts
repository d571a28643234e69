import {
  allIdsInStage,
  type ItemId,
  type JsonValue,
  type Logger,
  MAX_GET_N,
  type Queue,
  QueueItemStage,
  type QueueWorker,
  silentLogger,
} from "@task-queue/queue-core";
import { type Clock, systemClock } from "./clock.js";

export interface WorkQueueOptions {
  /**
   * How long a PROCESSING item may go unreported by the worker before it is failed (default 60 s). A job just
   * submitted is often not listed yet (Argo creates workflows asynchronously), so it must not be failed at once.
   */
  gracePeriodMs?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface PushOptions {
  /** Why an item can never run (it goes to FAIL instead of the worker); null when it can. */
  rejectReason?: (id: ItemId, body: JsonValue) => string | null;
}

export interface PushResult {
  /** Sent to the worker. */
  sent: ItemId[];
  /** The worker refused them; moved to FAIL. */
  sendFailed: ItemId[];
  /** Could never run under the strategy; moved to FAIL. */
  rejected: ItemId[];
}

export interface UpdateResult {
  succeeded: ItemId[];
  failed: ItemId[];
  /** PROCESSING items the worker did not report for longer than the grace period; moved to FAIL. */
  lost: ItemId[];
}

export const DEFAULT_GRACE_PERIOD_MS = 60_000;

/** Joins a queue and a worker: sends WAITING items to the worker and moves finished jobs to SUCCESS or FAIL. */
export class WorkQueue {
  private readonly gracePeriodMs: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  /** PROCESSING id → when its grace period started (when we sent it, or first saw it unreported). */
  private readonly unreportedSince = new Map<ItemId, number>();

  constructor(
    readonly queue: Queue,
    readonly worker: QueueWorker,
    options: WorkQueueOptions = {},
  ) {
    this.gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
  }

  /** Takes up to n WAITING items (moving them to PROCESSING) and sends each to the worker. */
  async pushNextJobs(n: number, options: PushOptions = {}): Promise<PushResult> {
    const result: PushResult = { sent: [], sendFailed: [], rejected: [] };
    let remaining = Math.max(0, Math.floor(n));
    while (remaining > 0) {
      const items = await this.queue.get(Math.min(remaining, MAX_GET_N));
      if (items.length === 0) break;
      remaining -= items.length;
      for (const [id, body] of items) await this.pushOne(id, body, options, result);
    }
    return result;
  }

  private async pushOne(
    id: ItemId,
    body: JsonValue,
    options: PushOptions,
    result: PushResult,
  ): Promise<void> {
    const reason = options.rejectReason?.(id, body) ?? null;
    if (reason !== null) {
      this.logger.error(
        { itemId: id, reason },
        "item can never run under the release strategy; moved to FAIL",
      );
      await this.queue.fail(id);
      result.rejected.push(id);
      return;
    }
    try {
      await this.worker.sendJob(id, body);
    } catch (error) {
      this.logger.error({ itemId: id, err: error }, "worker refused the job; moved to FAIL");
      await this.queue.fail(id);
      result.sendFailed.push(id);
      return;
    }
    this.unreportedSince.set(id, this.clock.now());
    result.sent.push(id);
  }

  /**
   * Polls the worker once and moves PROCESSING items whose job finished to SUCCESS or FAIL (then forgets the job).
   * PROCESSING items the worker does not report are failed once their grace period is over.
   */
  async updateJobStatus(): Promise<UpdateResult> {
    const reported = await this.worker.pollAllStatus();
    const processing = await allIdsInStage(this.queue, QueueItemStage.PROCESSING);
    const processingSet = new Set(processing);
    for (const id of this.unreportedSince.keys()) if (!processingSet.has(id)) this.unreportedSince.delete(id);

    const toSuccess: ItemId[] = [];
    const toFail: ItemId[] = [];
    for (const [id, stage] of reported) {
      if (stage === QueueItemStage.SUCCESS) toSuccess.push(id);
      else if (stage === QueueItemStage.FAIL) toFail.push(id);
    }
    const lost = this.overdueUnreported(processing, reported);

    const succeeded = toSuccess.length > 0 ? (await this.queue.successMany(toSuccess)).moved : [];
    const failed = toFail.length > 0 ? (await this.queue.failMany(toFail)).moved : [];
    const lostFailed = lost.length > 0 ? (await this.queue.failMany(lost)).moved : [];
    for (const id of lostFailed) {
      this.unreportedSince.delete(id);
      this.logger.warn({ itemId: id }, "worker does not know this PROCESSING item; moved to FAIL");
    }
    // Finished jobs are forgotten even when their item had already moved (e.g. by a client): otherwise the
    // worker would report them on every tick forever.
    for (const id of [...toSuccess, ...toFail]) await this.forgetJob(id);
    return { succeeded, failed, lost: lostFailed };
  }

  private overdueUnreported(processing: ItemId[], reported: Map<ItemId, QueueItemStage>): ItemId[] {
    const now = this.clock.now();
    const overdue: ItemId[] = [];
    for (const id of processing) {
      if (reported.has(id)) {
        // The worker knows the job; a later disappearance starts a fresh grace period.
        this.unreportedSince.delete(id);
        continue;
      }
      const since = this.unreportedSince.get(id);
      if (since === undefined) this.unreportedSince.set(id, now);
      else if (now - since >= this.gracePeriodMs) overdue.push(id);
    }
    return overdue;
  }

  private async forgetJob(id: ItemId): Promise<void> {
    try {
      await this.worker.deleteJob(id);
      this.unreportedSince.delete(id);
    } catch (error) {
      this.logger.warn({ itemId: id, err: error }, "could not delete a finished job; will retry next tick");
    }
  }
}
