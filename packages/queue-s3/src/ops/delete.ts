import { type DeleteResult, type ItemId, QueueUnavailable } from "@task-queue/queue-core";
import { deleteSource } from "./delete-source.js";
import { LOCATE_ATTEMPTS, locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

type DeleteOutcome = { deleted: true } | { deleted: false; skipped: DeleteResult["skipped"][number] };

/**
 * Removes an item in WAITING, SUCCESS or FAIL for good: 4 HEAD and a DELETE conditional on the ETag looked at (so a
 * WAITING item claimed meanwhile is not deleted: it is looked at again, and then skipped as PROCESSING), then, on a
 * store with conditional writes, a DELETE of its id marker (ops/id-index.ts).
 */
async function deleteOne(scope: S3QueueScope, id: ItemId): Promise<DeleteOutcome> {
  for (let round = 0; round < LOCATE_ATTEMPTS; round++) {
    const at = await locate(scope, id);
    if (at === null) return { deleted: false, skipped: { id, reason: "NOT_FOUND" } };
    if (at.stage === "PROCESSING") {
      return { deleted: false, skipped: { id, reason: "WRONG_STAGE", stage: "PROCESSING" } };
    }
    if (await deleteSource(scope, scope.layout.key(at.stage, id), at.etag)) {
      // After the item, never before: a marker gone while its item stays would let put add the id again.
      if ((await scope.capabilities()).conditionalWrites)
        await scope.store.delete(scope.layout.markerKey(id));
      return { deleted: true };
    }
  }
  throw new QueueUnavailable(`item ${JSON.stringify(id)} kept changing while it was being deleted`);
}

/** Many ids in parallel, through the store's request limit; the caller passes them deduplicated. */
export async function deleteItems(scope: S3QueueScope, ids: readonly ItemId[]): Promise<DeleteResult> {
  const outcomes = await Promise.all(ids.map((id) => deleteOne(scope, id)));
  const result: DeleteResult = { deleted: [], skipped: [] };
  outcomes.forEach((outcome, i) => {
    if (outcome.deleted) result.deleted.push(ids[i]!);
    else result.skipped.push(outcome.skipped);
  });
  return result;
}
