import {
  InvalidTransition,
  ItemNotFound,
  LeaseLost,
  QueueItemStage,
  type SkippedItem,
  stageName,
} from "@task-queue/queue-core";
import type { ItemState } from "./sql/lookup.js";

/**
 * Why a fenced move (success, fail, extend) left an item where it was — queue-core's InMemoryQueue.check(), applied
 * to the state read after the conditional UPDATE refused: the skip entry for batch forms and the error for single
 * calls. null when the state read now would pass the fence (the item moved in between): the caller tries again.
 */
export function refusal(
  id: string,
  state: ItemState | undefined,
  action: "success" | "fail" | "extend",
  attempt: number | null,
): { skip: SkippedItem; error: Error } | null {
  if (state === undefined) return { skip: { id, reason: "NOT_FOUND" }, error: new ItemNotFound(id) };
  if (attempt !== null) {
    const lost = (why: string) => ({
      skip: { id, reason: "LEASE_LOST" as const },
      error: new LeaseLost(id, attempt, state.attempts, why),
    });
    if (state.attempts !== attempt) return lost(`the item is on attempt ${state.attempts}`);
    if (state.stage === QueueItemStage.WAITING)
      return lost(`it was put back in WAITING (${state.lastError ?? "retry"})`);
    if (state.stage === QueueItemStage.PROCESSING && state.expired) return lost("its lease expired");
  }
  if (state.stage !== QueueItemStage.PROCESSING) {
    const stage = stageName(state.stage);
    return { skip: { id, reason: "WRONG_STAGE", stage }, error: new InvalidTransition(id, action, stage) };
  }
  return null;
}

/** Why an unfenced move (requeue, retryNow, delete) skipped an id: absent, or in another stage. */
export function stageSkip(id: string, state: ItemState | undefined): SkippedItem {
  return state === undefined
    ? { id, reason: "NOT_FOUND" }
    : { id, reason: "WRONG_STAGE", stage: stageName(state.stage) };
}
