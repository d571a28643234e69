import { fencingRefusal, type Refusal, type SkippedItem, stageName } from "@task-queue/queue-core";
import type { ItemState } from "./sql/lookup.js";

/**
 * Why a fenced move (success, fail, extend) left an item where it was: queue-core's fencing rule applied to the
 * state read after the conditional UPDATE refused. null when the state read now would pass the fence (the item
 * moved in between): the caller tries again.
 */
export function refusal(
  id: string,
  state: ItemState | undefined,
  action: "success" | "fail" | "extend",
  attempt: number | null,
): Refusal | null {
  return fencingRefusal(
    id,
    state && {
      stage: stageName(state.stage),
      attempts: state.attempts,
      leaseExpired: state.expired,
      lastError: state.lastError,
    },
    action,
    attempt ?? undefined,
  );
}

/** Why an unfenced move (requeue, retryNow, delete) skipped an id: absent, or in another stage. */
export function stageSkip(id: string, state: ItemState | undefined): SkippedItem {
  return state === undefined
    ? { id, reason: "NOT_FOUND" }
    : { id, reason: "WRONG_STAGE", stage: stageName(state.stage) };
}
