import type { ItemId, JsonValue } from "@task-queue/queue-core";
import { decodeContent, readMeta } from "../item-meta.js";
import { LIST_PAGE, listStage } from "../stage-listing.js";
import type { S3QueueScope } from "./scope.js";

/** The first `n` WAITING items in key order, without claiming them: one LIST per 1,000 keys, one GET per item. */
export async function peekWaiting(scope: S3QueueScope, n: number): Promise<Array<[ItemId, JsonValue]>> {
  const out: Array<[ItemId, JsonValue]> = [];
  let after: string | null = null;
  while (out.length < n) {
    const batch: Array<{ id: ItemId; key: string }> = [];
    let exhausted = true;
    for await (const item of listStage(scope.store, scope.layout, "WAITING", after, Math.min(LIST_PAGE, n))) {
      batch.push(item);
      after = item.suffix;
      if (batch.length >= n - out.length) {
        exhausted = false;
        break;
      }
    }
    const bodies = await Promise.all(batch.map((item) => scope.store.getJson(item.key)));
    batch.forEach((item, i) => {
      const body = bodies[i];
      if (body) out.push([item.id, decodeContent(body.text, readMeta(body.metadata, 1).envelope).body]);
    });
    if (exhausted) break;
  }
  return out;
}
