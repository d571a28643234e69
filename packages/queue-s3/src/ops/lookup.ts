import { type ItemId, type QueueItem, QueueItemStage } from "@task-queue/queue-core";
import { lookupRecord } from "./lookup-record.js";
import type { S3QueueScope } from "./scope.js";

/** An item's stage and body; ItemNotFound when no stage holds it. */
export async function findItem(scope: S3QueueScope, id: ItemId): Promise<QueueItem> {
  const record = await lookupRecord(scope, id);
  return { itemId: id, status: QueueItemStage[record.stage], itemBody: record.body };
}
