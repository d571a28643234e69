import { type PutResult, STAGE_NAMES, type ValidItem } from "@task-queue/queue-core";
import type { S3QueueScope } from "./scope.js";

/** Writes each item to WAITING unless some stage holds it (in parallel, through the store's request limit). */
export async function putItems(
  scope: S3QueueScope,
  items: readonly ValidItem[],
  conditional: boolean,
): Promise<PutResult> {
  const added = await Promise.all(items.map((item) => putOne(scope, item, conditional)));
  const result: PutResult = { added: [], skipped: [] };
  for (const [i, item] of items.entries()) (added[i] ? result.added : result.skipped).push(item.id);
  return result;
}

/** One item; where If-None-Match works, the write itself checks WAITING. */
async function putOne(scope: S3QueueScope, item: ValidItem, conditional: boolean): Promise<boolean> {
  const stagesToCheck = conditional ? STAGE_NAMES.filter((stage) => stage !== "WAITING") : STAGE_NAMES;
  const present = await Promise.all(
    stagesToCheck.map((stage) => scope.store.head(scope.layout.key(stage, item.id))),
  );
  if (present.some((object) => object !== null)) return false;
  const key = scope.layout.key("WAITING", item.id);
  return (await scope.store.putJson(key, item.json, 0, conditional)).written;
}
