import { type ItemId, idList, type RequeueResult, type SkippedItem } from "@task-queue/queue-core";
import { locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";
import { transition } from "./transition.js";

type RequeueOutcome = { moved: true } | { moved: false; skipped: SkippedItem };

/**
 * FAIL → WAITING with attempts reset to 0: look it up (repairing an interrupted move), copy that object with the
 * new metadata (COPY, x-amz-copy-source-if-match), then delete the source only if it is still that object
 * (deleteSource). When it is not, another process has meanwhile taken the item on and brought it back to FAIL (a
 * requeued item claimed and failed again): the move did happen, and the newer state stays.
 */
async function requeueOne(scope: S3QueueScope, id: ItemId): Promise<RequeueOutcome> {
  const at = await locate(scope, id);
  if (at === null) return { moved: false, skipped: { id, reason: "NOT_FOUND" } };
  if (at.stage !== "FAIL") return { moved: false, skipped: { id, reason: "WRONG_STAGE", stage: at.stage } };
  const meta = { ...at.meta, attempts: 0, leaseExpiresAt: null, updatedAt: Date.now() };
  if ((await transition(scope, id, at, { to: "WAITING", meta })) === "done") return { moved: true };
  // It moved away between the lookup and the copy: report where it went.
  const now = await locate(scope, id);
  return now === null
    ? { moved: false, skipped: { id, reason: "NOT_FOUND" } }
    : { moved: false, skipped: { id, reason: "WRONG_STAGE", stage: now.stage } };
}

/** Many items (in parallel, through the store's request limit); each is requeued or skipped with its reason. */
export async function requeueMany(
  scope: S3QueueScope,
  ids: ItemId | readonly ItemId[],
): Promise<RequeueResult> {
  const list = idList(ids);
  const outcomes = await Promise.all(list.map((id) => requeueOne(scope, id)));
  const result: RequeueResult = { requeued: [], skipped: [] };
  outcomes.forEach((outcome, i) => {
    if (outcome.moved) result.requeued.push(list[i]!);
    else result.skipped.push(outcome.skipped);
  });
  if (result.requeued.length > 0) scope.wake();
  return result;
}
