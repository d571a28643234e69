import { InvalidArgument, type Queue, QueueItemStage } from "@task-queue/queue-core";
import type { ReleaseStrategy } from "../strategy.js";

/** Keeps at most `max` items in PROCESSING (counting items taken by any consumer, not only this controller). */
export class ProcessingLimit implements ReleaseStrategy {
  readonly description: string;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new InvalidArgument("max", `must be an integer ≥ 1, got ${max}`);
    this.description = `ProcessingLimit(${max})`;
  }

  async releaseCount(queue: Queue): Promise<number> {
    const processing = await queue.size(QueueItemStage.PROCESSING);
    return Math.max(0, this.max - processing);
  }
}
