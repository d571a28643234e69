import { SpanKind } from "@opentelemetry/api";
import {
  allIdsInStage,
  type Completion,
  type Failure,
  type ItemId,
  inSpan,
  JOB_LOST_REASON,
  type Job,
  type JsonValue,
  type Logger,
  linkTo,
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
  /** Failed jobs whose items went to FAIL (no attempts left). */
  failed: ItemId[];
  /**
   * PROCESSING items the worker did not report for longer than the grace period (e.g. the previous controller died
   * with them): each counted as a failed attempt with reason "job lost", retried or moved to FAIL.
   */
  lost: ItemId[];
  /** Failed attempts (of failed or lost jobs) whose items went back to WAITING for another attempt. */
  retried: ItemId[];
}

export const DEFAULT_GRACE_PERIOD_MS = 60_000;

/** Joins a queue and a worker: sends WAITING items to the worker and moves finished jobs to SUCCESS or FAIL. */
export class WorkQueue {
  private readonly gracePeriodMs: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  /** PROCESSING id → when its grace period started (when we sent it, or first saw it unreported). */
  private readonly unreportedSince = new Map<ItemId, number>();
  /**
   * The attempt (fencing token) of each item this controller sent: its completions name it, so that a controller
   * that lost leadership can never complete the attempt of a new leader.
   */
  private readonly attempts = new Map<ItemId, number>();

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
      // No lease: the worker reconciles released items (see the README), so none can expire under a running job.
      const jobs = await this.queue.getJobs(Math.min(remaining, MAX_GET_N));
      if (jobs.length === 0) break;
      remaining -= jobs.length;
      for (const job of jobs) await this.pushOne(job, options, result);
    }
    return result;
  }

  private async pushOne(job: Job, options: PushOptions, result: PushResult): Promise<void> {
    const { itemId: id, body, attempt } = job;
    const reason = options.rejectReason?.(id, body) ?? null;
    if (reason !== null) {
      this.logger.error(
        { item_id: id, reason },
        "item can never run under the release strategy; moved to FAIL",
      );
      // Not an attempt to retry: no later attempt could run either.
      await this.queue.cancel(id, reason);
      result.rejected.push(id);
      return;
    }
    try {
      // The job's span: a new trace per submission, linked to the put of the item (its stored trace context).
      await inSpan(
        "worker.submit",
        {
          kind: SpanKind.PRODUCER,
          links: linkTo(job.traceContext),
          attributes: { "task_queue.item_id": id, "task_queue.attempt": attempt },
        },
        () => this.worker.sendJob(id, body),
      );
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const outcome = await this.queue.fail(id, { attempt, reason: `the worker refused the job: ${why}` });
      this.logger.error(
        { item_id: id, attempt, err: error, outcome },
        outcome === "WAITING"
          ? "worker refused the job; the item waits for another attempt"
          : "worker refused the job; moved to FAIL",
      );
      result.sendFailed.push(id);
      return;
    }
    this.unreportedSince.set(id, this.clock.now());
    this.attempts.set(id, attempt);
    result.sent.push(id);
  }

  /**
   * Polls the worker once and moves PROCESSING items whose job finished to SUCCESS, or counts a failed attempt
   * (retried while attempts remain, else FAIL, with the worker's lastError as the reason); then forgets the job.
   * PROCESSING items the worker does not report are failed attempts ("job lost") once their grace period is over.
   */
  async updateJobStatus(): Promise<UpdateResult> {
    const reported = await this.worker.pollAllStatus();
    const processing = await allIdsInStage(this.queue, QueueItemStage.PROCESSING);
    const processingSet = new Set(processing);
    for (const id of this.unreportedSince.keys()) if (!processingSet.has(id)) this.unreportedSince.delete(id);

    const toSuccess: Completion[] = [];
    const toFail: Failure[] = [];
    for (const [id, stage] of reported) {
      if (stage === QueueItemStage.SUCCESS) toSuccess.push(this.fenced(id, {}));
      else if (stage === QueueItemStage.FAIL) {
        const reason = this.worker.lastError?.(id);
        toFail.push(this.fenced(id, reason === undefined ? {} : { reason }));
      }
    }
    const lost = this.overdueUnreported(processing, reported).map((id) =>
      this.fenced(id, { reason: JOB_LOST_REASON }),
    );

    const succeeded = toSuccess.length > 0 ? (await this.queue.successMany(toSuccess)).moved : [];
    const failed = toFail.length > 0 ? await this.queue.failMany(toFail) : { moved: [], retried: [] };
    const lostFailed = lost.length > 0 ? await this.queue.failMany(lost) : { moved: [], retried: [] };
    const lostRetried = new Set(lostFailed.retried);
    for (const id of lostFailed.moved) {
      this.unreportedSince.delete(id);
      this.attempts.delete(id);
      this.logger.warn(
        { item_id: id, reason: JOB_LOST_REASON },
        lostRetried.has(id)
          ? "worker does not know this PROCESSING item; failed attempt, the item waits for another"
          : "worker does not know this PROCESSING item; moved to FAIL",
      );
    }
    const failedAgain = new Set(failed.retried);
    const failedMoved = new Set(failed.moved);
    for (const failure of toFail) {
      if (!failedMoved.has(failure.id)) continue;
      const again = failedAgain.has(failure.id);
      this.logger.warn(
        {
          item_id: failure.id,
          attempt: failure.attempt,
          reason: failure.reason ?? null,
          outcome: again ? "WAITING" : "FAIL",
        },
        again ? "job failed; the item waits for another attempt" : "job failed; moved to FAIL",
      );
    }
    // Finished jobs are forgotten even when their item had already moved (e.g. by a client): otherwise the
    // worker would report them on every tick forever.
    for (const { id } of [...toSuccess, ...toFail]) await this.forgetJob(id);
    return {
      succeeded,
      failed: failed.moved.filter((id) => !failedAgain.has(id)),
      lost: lostFailed.moved,
      retried: [...failed.retried, ...lostFailed.retried],
    };
  }

  /** A completion or failure naming the attempt this controller sent, when it sent it. */
  private fenced<T extends object>(id: ItemId, fields: T): T & { id: ItemId; attempt?: number } {
    const attempt = this.attempts.get(id);
    return { ...fields, id, ...(attempt === undefined ? {} : { attempt }) };
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
      this.attempts.delete(id);
    } catch (error) {
      this.logger.warn({ item_id: id, err: error }, "could not delete a finished job; will retry next tick");
    }
  }
}
