import { type ItemId, ItemNotFound, type QueueItem, QueueItemStage } from "@task-queue/queue-core";
import { LOCATE_ATTEMPTS, locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

/** An item's stage and body; ItemNotFound when no stage holds it. */
export async function findItem(scope: S3QueueScope, id: ItemId): Promise<QueueItem> {
  for (let attempt = 0; attempt < LOCATE_ATTEMPTS; attempt++) {
    const at = await locate(scope, id);
    if (at === null) break;
    const object = await scope.store.getJson(scope.layout.key(at.stage, id));
    // Null: it moved between the two reads; look again.
    if (object !== null) return { itemId: id, status: QueueItemStage[at.stage], itemBody: object.body };
  }
  throw new ItemNotFound(id);
}
