import { type PutResult, STAGE_NAMES, type ValidItem } from "@task-queue/queue-core";
import { metaHeaders } from "../item-meta.js";
import type { S3QueueScope } from "./scope.js";

/** An item to write: its JSON and its max_attempts. */
export interface NewItem extends ValidItem {
  maxAttempts: number;
}

/** Writes each item to WAITING unless some stage holds it (in parallel, through the store's request limit). */
export async function putItems(
  scope: S3QueueScope,
  items: readonly NewItem[],
  conditional: boolean,
): Promise<PutResult> {
  const now = Date.now();
  const added = await Promise.all(items.map((item) => putOne(scope, item, conditional, now)));
  const result: PutResult = { added: [], skipped: [] };
  for (const [i, item] of items.entries()) (added[i] ? result.added : result.skipped).push(item.id);
  if (result.added.length > 0) scope.wake();
  return result;
}

/**
 * One item; where If-None-Match works, the write itself checks WAITING. The body is the item's JSON as before the
 * lifecycle; attempts, max_attempts and the times go into user metadata (item-meta.ts).
 */
async function putOne(
  scope: S3QueueScope,
  item: NewItem,
  conditional: boolean,
  now: number,
): Promise<boolean> {
  const stagesToCheck = conditional ? STAGE_NAMES.filter((stage) => stage !== "WAITING") : STAGE_NAMES;
  const present = await Promise.all(
    stagesToCheck.map((stage) => scope.store.head(scope.layout.key(stage, item.id))),
  );
  if (present.some((object) => object !== null)) return false;
  const key = scope.layout.key("WAITING", item.id);
  const metadata = metaHeaders({
    seq: 0,
    attempts: 0,
    maxAttempts: item.maxAttempts,
    leaseExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    envelope: false,
  });
  return (await scope.store.putJson(key, item.json, 0, conditional, metadata)).written;
}
