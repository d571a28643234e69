import { type FinishedItem, type QueueStats, summarizeStats } from "@task-queue/queue-core";
import { decodeContent, readMeta } from "../item-meta.js";
import { type ListedItem, listStage } from "../stage-listing.js";
import type { S3QueueScope } from "./scope.js";
import { countByStage } from "./sizes.js";

/**
 * S3's LastModified has a resolution of one second on AWS: objects listed up to this much before the window's start
 * are read too, and their own updated time decides.
 */
const LAST_MODIFIED_SLACK_MS = 1000;

/**
 * Stats from the items themselves (queue-core's summarizeStats, as every backend): sizes (countByStage), then
 * SUCCESS and FAIL listed (1 LIST per 1,000 keys) and, of the objects the listing shows written within the window,
 * each read for its times (a HEAD; a GET for FAIL, whose body holds last_error); the oldest WAITING item by the
 * listing's LastModified, and one HEAD of it. No body is downloaded but those of failures in the window.
 */
export async function queueStats(scope: S3QueueScope, sinceSeconds: number): Promise<QueueStats> {
  const now = Date.now();
  const since = now - sinceSeconds * 1000;
  const [sizes, succeeded, failed, oldestWaiting] = await Promise.all([
    countByStage(scope),
    finishedIn(scope, "SUCCESS", since),
    finishedIn(scope, "FAIL", since),
    oldestWaitingSince(scope),
  ]);
  return summarizeStats({
    now: new Date(now),
    sinceSeconds,
    sizes,
    finished: [...succeeded, ...failed],
    oldestWaitingSeconds: oldestWaiting === null ? null : Math.max(0, now - oldestWaiting) / 1000,
    measures: "put-to-finish",
    source: "items",
  });
}

async function finishedIn(
  scope: S3QueueScope,
  stage: FinishedItem["stage"],
  since: number,
): Promise<FinishedItem[]> {
  const recent: ListedItem[] = [];
  for await (const item of listStage(scope.store, scope.layout, stage)) {
    if (item.lastModified === 0 || item.lastModified >= since - LAST_MODIFIED_SLACK_MS) recent.push(item);
  }
  const read = await Promise.all(recent.map((item) => finishedItem(scope, stage, item, since)));
  return read.filter((item): item is FinishedItem => item !== null);
}

async function finishedItem(
  scope: S3QueueScope,
  stage: FinishedItem["stage"],
  item: ListedItem,
  since: number,
): Promise<FinishedItem | null> {
  // A FAIL body holds last_error; a SUCCESS needs only its times. Null: gone since the listing (moved on, deleted).
  const failed = stage === "FAIL" ? await scope.store.getJson(item.key) : null;
  const object = stage === "FAIL" ? failed : await scope.store.head(item.key);
  if (object === null) return null;
  const meta = readMeta(object.metadata, scope.maxAttempts);
  const finished = meta.updatedAt ?? object.lastModified;
  if (finished < since) return null;
  const reason = failed === null ? null : decodeContent(failed.text, meta.envelope).lastError;
  return {
    stage,
    finishedAt: finished,
    seconds: Math.max(0, finished - (meta.createdAt ?? finished)) / 1000,
    reason,
  };
}

/** When the longest-waiting WAITING item entered WAITING (its updated time), or null when none waits. */
async function oldestWaitingSince(scope: S3QueueScope): Promise<number | null> {
  let oldest: ListedItem | null = null;
  for await (const item of listStage(scope.store, scope.layout, "WAITING")) {
    if (oldest === null || item.lastModified < oldest.lastModified) oldest = item;
  }
  if (oldest === null) return null;
  const object = await scope.store.head(oldest.key);
  if (object === null) return oldest.lastModified || null;
  return readMeta(object.metadata, scope.maxAttempts).updatedAt ?? object.lastModified;
}
