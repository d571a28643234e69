import { ItemNotFound } from "./errors.js";
import type { JsonValue } from "./json.js";
import type { ItemId } from "./queue.js";
import { QueueItemStage } from "./stage.js";

/**
 * Turns queue items into running jobs (Argo workflows, local processes) and reports their state.
 * pollAllStatus reports every job the worker knows, as PROCESSING, SUCCESS or FAIL; when an item has run
 * several times, the newest job's state wins.
 */
export interface QueueWorker {
  sendJob(id: ItemId, body: JsonValue): Promise<void>;
  pollAllStatus(): Promise<Map<ItemId, QueueItemStage>>;
  /** Forgets a finished job (collecting its logs first where the worker can); a job already gone is not an error. */
  deleteJob(id: ItemId): Promise<void>;
  /**
   * Why a job the last pollAllStatus reported as FAIL failed, where the worker can tell (a process's exit code and
   * the last lines of its stderr; an Argo workflow's message); undefined when it cannot. The controller stores it as
   * the item's last_error. Optional.
   */
  lastError?(id: ItemId): string | undefined;
  /** Stops what the worker runs on its own (timers, child processes). Optional. */
  close?(): Promise<void>;
}

/** A worker whose jobs live in memory and finish only when a test says so. */
export class DummyWorker implements QueueWorker {
  readonly jobs = new Map<ItemId, { body: JsonValue; stage: QueueItemStage; error?: string }>();
  readonly deleted: ItemId[] = [];

  async sendJob(id: ItemId, body: JsonValue): Promise<void> {
    this.jobs.set(id, { body, stage: QueueItemStage.PROCESSING });
  }

  async pollAllStatus(): Promise<Map<ItemId, QueueItemStage>> {
    return new Map([...this.jobs].map(([id, job]) => [id, job.stage]));
  }

  lastError(id: ItemId): string | undefined {
    return this.jobs.get(id)?.error;
  }

  async deleteJob(id: ItemId): Promise<void> {
    if (this.jobs.delete(id)) this.deleted.push(id);
  }

  private mark(id: ItemId, stage: QueueItemStage, error?: string): void {
    const job = this.jobs.get(id);
    if (!job) throw new ItemNotFound(id);
    job.stage = stage;
    if (error !== undefined) job.error = error;
  }

  markSuccess(id: ItemId): void {
    this.mark(id, QueueItemStage.SUCCESS);
  }

  /** The job failed; `error` is what lastError reports for it. */
  markFail(id: ItemId, error?: string): void {
    this.mark(id, QueueItemStage.FAIL, error);
  }
}
