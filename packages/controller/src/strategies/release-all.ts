import { type Queue, QueueItemStage } from "@task-queue/queue-core";
import type { ReleaseStrategy } from "../strategy.js";

/** Releases every WAITING item at once: the worker (e.g. Argo with its own parallelism limit) does the throttling. */
export class ReleaseAll implements ReleaseStrategy {
  readonly description = "ReleaseAll";

  async releaseCount(queue: Queue): Promise<number> {
    return queue.size(QueueItemStage.WAITING);
  }
}
