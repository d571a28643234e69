import { type ItemId, STAGE_NAMES, type StageName } from "@task-queue/queue-core";
import { type ItemMeta, readMeta } from "../item-meta.js";
import { type StageCopy, winningCopy } from "../resolve-copies.js";
import { deleteSource } from "./delete-source.js";
import type { S3QueueScope } from "./scope.js";

/** A copy as a HEAD found it, with the ETag that names it in a conditional delete, and its lifecycle fields. */
export interface FoundCopy extends StageCopy {
  etag: string | null;
  meta: ItemMeta;
  /** When the store last wrote it (created_at/updated_at of objects from before the lifecycle). */
  lastModified: number;
}

/** How many times a lookup re-reads an item that moved while it was being repaired. */
export const LOCATE_ATTEMPTS = 3;

/** The copies of an item in the given stages (one HEAD per stage, in parallel). */
export async function copiesIn(
  scope: S3QueueScope,
  id: ItemId,
  stages: readonly StageName[],
): Promise<FoundCopy[]> {
  const found = await Promise.all(
    stages.map(async (stage): Promise<FoundCopy | null> => {
      const object = await scope.store.head(scope.layout.key(stage, id));
      if (object === null) return null;
      const meta = readMeta(object.metadata, scope.maxAttempts);
      return {
        stage,
        seq: object.seq,
        etag: object.etag,
        meta,
        lastModified: object.lastModified,
        updatedAt: meta.updatedAt,
      };
    }),
  );
  return found.filter((copy): copy is FoundCopy => copy !== null);
}

/** The stage an item is in, deleting stale copies found on the way. */
export async function locate(scope: S3QueueScope, id: ItemId, attempt = 1): Promise<FoundCopy | null> {
  const copies = await copiesIn(scope, id, STAGE_NAMES);
  if (copies.length <= 1) return copies[0] ?? null;
  const winner = winningCopy(copies);
  // A move in flight may have taken the winner on meanwhile; delete only what is surely stale.
  if ((await scope.store.head(scope.layout.key(winner.stage, id))) === null) {
    return attempt < LOCATE_ATTEMPTS ? locate(scope, id, attempt + 1) : winner;
  }
  const stale = copies.filter((copy) => copy !== winner);
  scope.logger.warn(
    { queue: scope.name, item_id: id, stage: winner.stage, stale: stale.map((copy) => copy.stage) },
    "S3Queue: item found in several stages (an interrupted move, or a claim that lost a race); deleting the stale copies",
  );
  // Each only if it is still the copy seen here: a move may have brought the item back to that stage meanwhile.
  // Where the store enforces no If-Match on DELETE, the re-read must also show the fields that made the copy lose:
  // a store whose PUT is not atomic (s3rver writes the bytes and their MD5, then the metadata) answers a HEAD
  // racing a PUT with the new ETag and no metadata, i.e. claim count 0, and judging by ETag alone deleted the
  // newer copy (the lost item of the leaseRaces case).
  await Promise.all(
    stale.map((copy) =>
      deleteSource(scope, scope.layout.key(copy.stage, id), copy.etag, (metadata) =>
        sameMeta(readMeta(metadata, scope.maxAttempts), copy.meta),
      ),
    ),
  );
  return winner;
}

function sameMeta(a: ItemMeta, b: ItemMeta): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The winning stage of an id a listing found in several stages. */
export async function stageOfDuplicate(scope: S3QueueScope, id: ItemId): Promise<StageName | null> {
  return (await locate(scope, id))?.stage ?? null;
}
