import { InvalidArgument } from "./errors.js";
import type { ItemRecord } from "./lifecycle.js";
import type { Queue } from "./queue.js";
import { parseStage, type QueueItemStage, type StageName, stageName } from "./stage.js";

/**
 * Retention: removing items that have stayed in a stage longer than an age, in small batches so that a large purge
 * never holds a long lock or runs one long statement. The age of an item is the time since its last change
 * (updated_at: for SUCCESS and FAIL, when it finished).
 */

/** Items one purge statement removes at most (SQL: one short DELETE per batch, each its own transaction). */
export const PURGE_BATCH_ITEMS = 1_000;
/** With `withRecords`, a purge returns at most this many records, so `limit` must be given and at most this. */
export const MAX_PURGE_RECORDS = 10_000;
/** The stages a purge may empty: PROCESSING items are running (cancel them first), as for delete. */
export const PURGEABLE_STAGES: readonly StageName[] = ["WAITING", "SUCCESS", "FAIL"];

export interface PurgeOptions {
  /** WAITING, SUCCESS or FAIL (a name or its number). */
  stage: StageName | QueueItemStage;
  /** Only items whose last change is at least this many seconds ago (0: all of the stage). */
  olderThanSeconds: number;
  /** Remove at most this many items (default: every matching item). */
  limit?: number;
  /** Return the removed items' records (to archive them); needs a limit of at most MAX_PURGE_RECORDS. */
  withRecords?: boolean;
}

export interface PurgeResult {
  /** How many items were removed. */
  purged: number;
  /** The removed items as they were, when withRecords was asked for. */
  records?: ItemRecord[];
}

export interface ValidPurge {
  stage: QueueItemStage;
  olderThanSeconds: number;
  limit: number | null;
  withRecords: boolean;
}

/** Checks a purge's options (InvalidArgument naming the field) before anything is removed. */
export function validatePurge(options: PurgeOptions): ValidPurge {
  if (typeof options !== "object" || options === null)
    throw new InvalidArgument("options", "must be {stage, olderThanSeconds, limit?}");
  let stage: QueueItemStage;
  try {
    stage = parseStage(options.stage);
  } catch {
    throw new InvalidArgument("stage", `must be one of ${PURGEABLE_STAGES.join(", ")}`);
  }
  if (!PURGEABLE_STAGES.includes(stageName(stage)))
    throw new InvalidArgument(
      "stage",
      `must be one of ${PURGEABLE_STAGES.join(", ")} (PROCESSING items are running: cancel them first)`,
    );
  const age = options.olderThanSeconds;
  if (typeof age !== "number" || !Number.isFinite(age) || age < 0)
    throw new InvalidArgument("olderThanSeconds", "must be a number of seconds ≥ 0");
  const limit = options.limit;
  if (limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1))
    throw new InvalidArgument("limit", "must be a whole number ≥ 1");
  const withRecords = options.withRecords === true;
  if (withRecords && (limit === undefined || limit > MAX_PURGE_RECORDS))
    throw new InvalidArgument(
      "limit",
      `must be given and at most ${MAX_PURGE_RECORDS} when records are returned`,
    );
  return { stage, olderThanSeconds: age, limit: limit ?? null, withRecords };
}

/**
 * Repeats `batch(n)` (removes up to n items, returns those it removed) until the purge's limit is met or a batch
 * comes back short. Each batch is its own statement, so locks are held for one batch at a time.
 */
export async function purgeInBatches<T>(
  valid: ValidPurge,
  batch: (n: number) => Promise<T[]>,
  batchSize: number = PURGE_BATCH_ITEMS,
): Promise<{ purged: number; removed: T[] }> {
  const removed: T[] = [];
  let purged = 0;
  for (;;) {
    const want = valid.limit === null ? batchSize : Math.min(batchSize, valid.limit - purged);
    if (want <= 0) break;
    const rows = await batch(want);
    purged += rows.length;
    if (valid.withRecords) removed.push(...rows);
    if (rows.length < want) break;
  }
  return { purged, removed };
}

/**
 * A purge through the Queue interface alone, for backends with no index by time (S3): reads every id of the stage
 * page by page and each item's record (`lookups` at a time), then deletes the oldest old ones in batches. It costs
 * a read per item of the stage; an item that leaves the stage between the read and the delete is deleted where
 * it went, if delete allows it there (SUCCESS items never leave; a FAIL item requeued meanwhile can be hit).
 */
export async function purgeByScan(
  queue: Pick<Queue, "lookupState" | "lookupRecord" | "delete">,
  options: PurgeOptions,
  now: Date = new Date(),
  lookups = 16,
): Promise<PurgeResult> {
  const valid = validatePurge(options);
  const cutoff = now.getTime() - valid.olderThanSeconds * 1000;
  const old: ItemRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await queue.lookupState(valid.stage, {
      limit: PURGE_BATCH_ITEMS,
      ...(cursor ? { cursor } : {}),
    });
    let next = 0;
    const lane = async () => {
      while (next < page.ids.length) {
        const id = page.ids[next++]!;
        try {
          const record = await queue.lookupRecord(id);
          if (record.stage === stageName(valid.stage) && record.updatedAt.getTime() <= cutoff)
            old.push(record);
        } catch (error) {
          if ((error as { code?: string }).code !== "ITEM_NOT_FOUND") throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: lookups }, lane));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  old.sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
  const chosen = valid.limit === null ? old : old.slice(0, valid.limit);
  const removed: ItemRecord[] = [];
  for (let at = 0; at < chosen.length; at += PURGE_BATCH_ITEMS) {
    const batch = chosen.slice(at, at + PURGE_BATCH_ITEMS);
    const deleted = new Set((await queue.delete(batch.map((record) => record.itemId))).deleted);
    removed.push(...batch.filter((record) => deleted.has(record.itemId)));
  }
  const purged = removed.length;
  return valid.withRecords ? { purged, records: removed } : { purged };
}
