import type { ItemId, JsonValue, Queue } from "@task-queue/queue-core";

/** Decides how many WAITING items the controller releases to the worker in one tick. */
export interface ReleaseStrategy {
  /** A short description for logs, e.g. "ProcessingLimit(4)". */
  readonly description: string;
  /**
   * How many items to take from the head of WAITING now. The count may include items that rejectReason turns
   * away, so that one impossible item does not block the line behind it.
   */
  releaseCount(queue: Queue): Promise<number>;
  /** Why an item can never run under this strategy (it goes to FAIL instead of the worker); null when it can. */
  rejectReason?(id: ItemId, body: JsonValue): string | null;
}
