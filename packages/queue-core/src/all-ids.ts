import type { ItemId, Queue } from "./queue.js";
import type { QueueItemStage } from "./stage.js";

/** Every id in one stage, reading lookupState page by page so no backend has to answer with one huge list. */
export async function allIdsInStage(queue: Queue, stage: QueueItemStage): Promise<ItemId[]> {
  const ids: ItemId[] = [];
  let cursor: string | null = null;
  do {
    const page = await queue.lookupState(stage, cursor === null ? { limit: 1000 } : { limit: 1000, cursor });
    ids.push(...page.ids);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}
