import {
  assertAttempt,
  InvalidTransition,
  type ItemId,
  ItemNotFound,
  LeaseLost,
  type QueueAction,
  type SkippedItem,
} from "@task-queue/queue-core";
import type { FoundCopy } from "./locate.js";

export type Checked = { at: FoundCopy } | { skip: SkippedItem; error: Error };

/**
 * Whether success, fail or extend may act on the item as located: queue-core's fencing rule (InMemoryQueue.check).
 * With an attempt, the item must be PROCESSING on that attempt with an unexpired lease (or none); otherwise
 * LeaseLost, or InvalidTransition when it already finished on that attempt. Without one, any PROCESSING item.
 */
export function checkHolder(
  id: ItemId,
  at: FoundCopy | null,
  action: QueueAction,
  attempt: number | undefined,
  now: number,
): Checked {
  if (at === null) return { skip: { id, reason: "NOT_FOUND" }, error: new ItemNotFound(id) };
  if (attempt !== undefined) {
    assertAttempt(attempt);
    const current = at.meta.attempts;
    const lost = (why: string): Checked => ({
      skip: { id, reason: "LEASE_LOST" },
      error: new LeaseLost(id, attempt, current, why),
    });
    if (current !== attempt) return lost(`the item is on attempt ${current}`);
    if (at.stage === "WAITING") return lost("it was put back in WAITING");
    const lease = at.meta.leaseExpiresAt;
    if (at.stage === "PROCESSING" && lease !== null && lease <= now) return lost("its lease expired");
  }
  if (at.stage !== "PROCESSING") {
    return {
      skip: { id, reason: "WRONG_STAGE", stage: at.stage },
      error: new InvalidTransition(id, action, at.stage),
    };
  }
  return { at };
}

/** Whether a lease (ms since the epoch; null: none) has run out at `now`. */
export function isExpired(lease: number | null, now: number): boolean {
  return lease !== null && lease <= now;
}
