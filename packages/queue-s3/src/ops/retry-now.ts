import type { ItemId, MoveResult } from "@task-queue/queue-core";
import { locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

/**
 * retryNow: S3Queue keeps no run_after (it declares no delays), so a WAITING item is available already and nothing
 * is written; the call reports, like every backend, which ids are WAITING (moved) and skips the rest. 4 HEAD per id.
 */
export async function retryNow(scope: S3QueueScope, ids: readonly ItemId[]): Promise<MoveResult> {
  const found = await Promise.all(ids.map((id) => locate(scope, id)));
  const result: MoveResult = { moved: [], skipped: [] };
  found.forEach((at, i) => {
    const id = ids[i]!;
    if (at === null) result.skipped.push({ id, reason: "NOT_FOUND" });
    else if (at.stage !== "WAITING") result.skipped.push({ id, reason: "WRONG_STAGE", stage: at.stage });
    else result.moved.push(id);
  });
  if (result.moved.length > 0) scope.wake();
  return result;
}
