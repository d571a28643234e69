import {
  assertAttempt,
  fencingRefusal,
  type ItemId,
  type QueueAction,
  type Refusal,
} from "@task-queue/queue-core";
import type { FoundCopy } from "./locate.js";

export type Checked = { at: FoundCopy } | Refusal;

/**
 * Whether success, fail or extend may act on the item as located: queue-core's fencing rule, on the copy's
 * metadata (the last error lives in the body, so the LeaseLost message goes without it).
 */
export function checkHolder(
  id: ItemId,
  at: FoundCopy | null,
  action: QueueAction,
  attempt: number | undefined,
  now: number,
): Checked {
  if (attempt !== undefined) assertAttempt(attempt);
  const refused = fencingRefusal(
    id,
    at === null
      ? undefined
      : { stage: at.stage, attempts: at.meta.attempts, leaseExpired: isExpired(at.meta.leaseExpiresAt, now) },
    action,
    attempt,
  );
  return refused ?? { at: at! };
}

/** Whether a lease (ms since the epoch; null: none) has run out at `now`. */
export function isExpired(lease: number | null, now: number): boolean {
  return lease !== null && lease <= now;
}
