import type { StageName } from "@task-queue/queue-core";
import type { QueueLayout } from "./layout.js";
import type { S3Store } from "./s3-store.js";

/** S3 lists at most 1,000 keys per request. */
export const LIST_PAGE = 1000;

export interface ListedItem {
  id: string;
  key: string;
  /** The key after the stage prefix: the same for one id in every stage, and what S3 orders by. */
  suffix: string;
  /** When the store last wrote the object (ms; 0 when it did not say): when the item entered the stage. */
  lastModified: number;
}

/** S3 orders keys by their UTF-8 bytes, which is not JavaScript's UTF-16 string order. */
export function compareSuffixes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Every item of one stage in key order, after the suffix `after`, fetching `pageSize` keys per request. */
export async function* listStage(
  store: S3Store,
  layout: QueueLayout,
  stage: StageName,
  after: string | null = null,
  pageSize = LIST_PAGE,
): AsyncGenerator<ListedItem> {
  const prefix = layout.stagePrefix(stage);
  let startAfter = after === null ? undefined : prefix + after;
  for (;;) {
    const page = await store.listPage(prefix, startAfter, pageSize);
    for (const [i, key] of page.keys.entries()) {
      const id = layout.idOf(stage, key);
      if (id !== null)
        yield { id, key, suffix: key.slice(prefix.length), lastModified: page.lastModified[i] ?? 0 };
    }
    if (!page.truncated || page.keys.length === 0) return;
    startAfter = page.keys[page.keys.length - 1];
  }
}

/** One id and every stage holding a copy of it. */
export interface MergedItem {
  id: string;
  suffix: string;
  stages: StageName[];
}

/**
 * Walks several stages at once in key order (they share the suffix order), grouping the copies of one id: how
 * duplicates left by an interrupted move are found without holding a stage's ids in memory.
 */
export async function* mergeStages(
  store: S3Store,
  layout: QueueLayout,
  stages: readonly StageName[],
  after: string | null = null,
): AsyncGenerator<MergedItem> {
  const cursors = stages.map((stage) => ({ stage, it: listStage(store, layout, stage, after) }));
  const heads = await Promise.all(cursors.map((cursor) => cursor.it.next()));
  for (;;) {
    let smallest: string | null = null;
    for (const head of heads) {
      if (!head.done && (smallest === null || compareSuffixes(head.value.suffix, smallest) < 0)) {
        smallest = head.value.suffix;
      }
    }
    if (smallest === null) return;
    const merged: MergedItem = { id: "", suffix: smallest, stages: [] };
    await Promise.all(
      heads.map(async (head, i) => {
        if (head.done || head.value.suffix !== smallest) return;
        merged.id = head.value.id;
        merged.stages.push(cursors[i]!.stage);
        heads[i] = await cursors[i]!.it.next();
      }),
    );
    yield merged;
  }
}
