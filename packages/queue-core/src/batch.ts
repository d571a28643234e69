import { InvalidTransition, ItemNotFound } from "./errors.js";
import type { ItemId, MoveResult, Queue } from "./queue.js";
import { STAGE_NAMES } from "./stage.js";
import { idList } from "./validation.js";

/**
 * successMany/failMany for a backend that has no batch statement: one call per id, turning the single-item
 * errors into skipped entries. Backends that can do better (SQL: one UPDATE) override it.
 */
export async function moveOneByOne(
  queue: Pick<Queue, "success" | "fail">,
  ids: readonly ItemId[],
  action: "success" | "fail",
): Promise<MoveResult> {
  const result: MoveResult = { moved: [], skipped: [] };
  for (const id of idList(ids)) {
    try {
      await (action === "success" ? queue.success(id) : queue.fail(id));
      result.moved.push(id);
    } catch (error) {
      if (error instanceof ItemNotFound) result.skipped.push({ id, reason: "NOT_FOUND" });
      else if (error instanceof InvalidTransition) {
        const stage = STAGE_NAMES.find((name) => name === error.from);
        result.skipped.push(stage ? { id, reason: "WRONG_STAGE", stage } : { id, reason: "WRONG_STAGE" });
      } else throw error;
    }
  }
  return result;
}
