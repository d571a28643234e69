import {
  type ItemId,
  idList,
  type MoveResult,
  type SkippedItem,
  type StageName,
} from "@task-queue/queue-core";
import { deleteSource } from "./delete-source.js";
import { locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

export type MoveOutcome = { moved: true } | { moved: false; skipped: SkippedItem };

/**
 * One item from `from` to `to`: look it up (repairing an interrupted move), copy that object, then delete the
 * source only if it is still that object (deleteSource). When it is not, another process has meanwhile taken the
 * item on from `to` and brought it back to `from` (a requeued item claimed and failed again): the move did happen,
 * and the newer state stays.
 */
export async function moveOne(
  scope: S3QueueScope,
  id: ItemId,
  from: StageName,
  to: StageName,
): Promise<MoveOutcome> {
  const at = await locate(scope, id);
  if (at === null) return { moved: false, skipped: { id, reason: "NOT_FOUND" } };
  if (at.stage !== from) return { moved: false, skipped: { id, reason: "WRONG_STAGE", stage: at.stage } };
  const source = scope.layout.key(from, id);
  if (!(await scope.store.copy(source, scope.layout.key(to, id), at.etag))) {
    // It moved away between the lookup and the copy: report where it went.
    const now = await locate(scope, id);
    return now === null
      ? { moved: false, skipped: { id, reason: "NOT_FOUND" } }
      : { moved: false, skipped: { id, reason: "WRONG_STAGE", stage: now.stage } };
  }
  await deleteSource(scope, source, at.etag);
  return { moved: true };
}

/** Many items (in parallel, through the store's request limit); each is moved or skipped with its reason. */
export async function moveMany(
  scope: S3QueueScope,
  ids: readonly ItemId[],
  from: StageName,
  to: StageName,
): Promise<MoveResult> {
  const list = idList(ids);
  const outcomes = await Promise.all(list.map((id) => moveOne(scope, id, from, to)));
  const result: MoveResult = { moved: [], skipped: [] };
  outcomes.forEach((outcome, i) => {
    if (outcome.moved) result.moved.push(list[i]!);
    else result.skipped.push(outcome.skipped);
  });
  return result;
}
