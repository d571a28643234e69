import { activeTraceContext, type PutResult, STAGE_NAMES, type ValidItem } from "@task-queue/queue-core";
import { metaHeaders } from "../item-meta.js";
import type { IdIndex } from "./id-index.js";
import type { S3QueueScope } from "./scope.js";

/** An item to write: its JSON and its max_attempts. */
export interface NewItem extends ValidItem {
  maxAttempts: number;
}

/**
 * Writes each item to WAITING unless some stage holds it (in parallel, through the store's request limit). Where the
 * store enforces conditional writes and the queue's id markers are complete (IdIndex), a new item costs 2 requests:
 * its marker and its WAITING object, both with If-None-Match: *; otherwise a HEAD per stage (3 where WAITING's own
 * write is conditional) and the PUT.
 */
export async function putItems(
  scope: S3QueueScope,
  items: readonly NewItem[],
  conditional: boolean,
  index: IdIndex,
): Promise<PutResult> {
  const now = Date.now();
  // Read before any await: the put's span is the active one here.
  const traceContext = activeTraceContext();
  const markers = conditional && (await index.complete());
  const added = await Promise.all(
    items.map((item) => putOne(scope, item, conditional, markers, { now, traceContext })),
  );
  const result: PutResult = { added: [], skipped: [] };
  for (const [i, item] of items.entries()) (added[i] ? result.added : result.skipped).push(item.id);
  if (result.added.length > 0) scope.wake();
  return result;
}

/**
 * One item; where If-None-Match works, the write itself checks WAITING, and with markers the marker's write stands
 * for the other stages. The body is the item's JSON as before the lifecycle; attempts, max_attempts, the times and
 * the put's trace context go into user metadata (item-meta.ts).
 */
async function putOne(
  scope: S3QueueScope,
  item: NewItem,
  conditional: boolean,
  markers: boolean,
  { now, traceContext }: { now: number; traceContext: string | null },
): Promise<boolean> {
  const created =
    markers &&
    (await scope.store.putIf(scope.layout.markerKey(item.id), "{}", { ifNoneMatch: "*" })) !== null;
  if (!created) {
    // No markers, or the id has one: look in the stages (a marker without an item is a crashed put's, or a removed
    // item's; the item is written after all).
    const stagesToCheck = conditional ? STAGE_NAMES.filter((stage) => stage !== "WAITING") : STAGE_NAMES;
    const present = await Promise.all(
      stagesToCheck.map((stage) => scope.store.head(scope.layout.key(stage, item.id))),
    );
    if (present.some((object) => object !== null)) return false;
  }
  const key = scope.layout.key("WAITING", item.id);
  const metadata = metaHeaders({
    seq: 0,
    attempts: 0,
    maxAttempts: item.maxAttempts,
    leaseExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    envelope: false,
    traceContext,
  });
  return (await scope.store.putJson(key, item.json, 0, conditional, metadata)).written;
}
