import { type ItemId, ItemNotFound, type ItemRecord } from "@task-queue/queue-core";
import { decodeContent, readMeta } from "../item-meta.js";
import { LOCATE_ATTEMPTS, locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

/**
 * Every lifecycle field of one item: 4 HEAD (locate) and one GET of the winning copy (its metadata and body).
 * Objects from before the lifecycle have default fields, with created_at and updated_at from Last-Modified.
 */
export async function lookupRecord(scope: S3QueueScope, id: ItemId): Promise<ItemRecord> {
  for (let round = 0; round < LOCATE_ATTEMPTS; round++) {
    const at = await locate(scope, id);
    if (at === null) break;
    const object = await scope.store.getJson(scope.layout.key(at.stage, id));
    // Null: it moved between the two reads; look again.
    if (object === null) continue;
    const meta = readMeta(object.metadata, scope.maxAttempts);
    const content = decodeContent(object.text, meta.envelope);
    const updated = meta.updatedAt ?? object.lastModified;
    return {
      itemId: id,
      stage: at.stage,
      body: content.body,
      attempts: meta.attempts,
      maxAttempts: meta.maxAttempts,
      priority: 0,
      runAfter: null,
      leaseExpiresAt: meta.leaseExpiresAt === null ? null : new Date(meta.leaseExpiresAt),
      lastError: content.lastError,
      result: content.result,
      createdAt: new Date(meta.createdAt ?? updated),
      updatedAt: new Date(updated),
    };
  }
  throw new ItemNotFound(id);
}
