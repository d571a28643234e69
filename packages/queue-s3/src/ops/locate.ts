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

/**
 * Where success, fail and extend look first: the one stage their item is expected in (1 HEAD). Found there, that copy
 * is acted on without looking for copies in other stages (locate's 4 HEADs): the call's move or rewrite names it by
 * ETag, so it can only act on that very object. Not there (it moved, or a copy elsewhere is all that is left): the
 * full lookup, with its repair of stale copies. The one thing given up: a copy left in another stage by a move out of
 * PROCESSING that was interrupted (a crash between its copy and its delete) is not seen first, so a later success or
 * fail of the item acts on the PROCESSING copy and its move becomes the item's state (it is the later write; the
 * stale copy is deleted by the next reader that sees both), where the full lookup would have refused the call.
 */
export async function locateExpected(
  scope: S3QueueScope,
  id: ItemId,
  stage: StageName,
): Promise<FoundCopy | null> {
  const [found] = await copiesIn(scope, id, [stage]);
  return found ?? locate(scope, id);
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
