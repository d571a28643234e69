import { InvalidTransition, ItemNotFound, LeaseLost, type QueueAction } from "./errors.js";
import type { ItemId, SkippedItem } from "./queue.js";
import type { StageName } from "./stage.js";

/** What the fencing rule needs to know of an item, however a backend stores it. */
export interface FencedState {
  stage: StageName;
  attempts: number;
  /** The item holds a lease that has run out. */
  leaseExpired: boolean;
  /** Why it went back to WAITING, where the backend has it at hand (shown in the LeaseLost message). */
  lastError?: string | null;
}

/** Why success, fail or extend may not act on an item: the skip entry for batch forms, the error for single calls. */
export interface Refusal {
  skip: SkippedItem;
  error: Error;
}

/**
 * The fencing rule of every backend. With an attempt, the call may act only on an item that is PROCESSING on that
 * attempt with an unexpired lease (or none): another attempt, a return to WAITING or an expired lease is LeaseLost;
 * an item that finished on that attempt is InvalidTransition. Without one, any PROCESSING item. Returns null when
 * the call may act; a missing item (state undefined) is ItemNotFound.
 */
export function fencingRefusal(
  id: ItemId,
  state: FencedState | undefined,
  action: QueueAction,
  attempt: number | undefined,
): Refusal | null {
  if (state === undefined) return { skip: { id, reason: "NOT_FOUND" }, error: new ItemNotFound(id) };
  if (attempt !== undefined) {
    const lost = (why: string): Refusal => ({
      skip: { id, reason: "LEASE_LOST" },
      error: new LeaseLost(id, attempt, state.attempts, why),
    });
    if (state.attempts !== attempt) return lost(`the item is on attempt ${state.attempts}`);
    if (state.stage === "WAITING") {
      const why = state.lastError === undefined ? "" : ` (${state.lastError ?? "retry"})`;
      return lost(`it was put back in WAITING${why}`);
    }
    if (state.stage === "PROCESSING" && state.leaseExpired) return lost("its lease expired");
  }
  if (state.stage !== "PROCESSING") {
    return {
      skip: { id, reason: "WRONG_STAGE", stage: state.stage },
      error: new InvalidTransition(id, action, state.stage),
    };
  }
  return null;
}
