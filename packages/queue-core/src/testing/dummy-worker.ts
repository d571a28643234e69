import { ItemNotFound } from "../errors.js";
import type { JsonValue } from "../json.js";
import type { ItemId } from "../queue.js";
import { QueueItemStage } from "../stage.js";
import type { QueueWorker } from "../worker.js";

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
