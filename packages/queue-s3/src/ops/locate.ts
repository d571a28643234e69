import { type ItemId, STAGE_NAMES, type StageName } from "@task-queue/queue-core";
import { type StageCopy, winningCopy } from "../resolve-copies.js";
import type { S3QueueScope } from "./scope.js";

/** How many times a lookup re-reads an item that moved while it was being repaired. */
export const LOCATE_ATTEMPTS = 3;

/** The copies of an item in the given stages (one HEAD per stage, in parallel). */
export async function copiesIn(
  scope: S3QueueScope,
  id: ItemId,
  stages: readonly StageName[],
): Promise<StageCopy[]> {
  const found = await Promise.all(
    stages.map(async (stage) => {
      const object = await scope.store.head(scope.layout.key(stage, id));
      return object === null ? null : { stage, seq: object.seq };
    }),
  );
  return found.filter((copy): copy is StageCopy => copy !== null);
}

/** The stage an item is in, deleting stale copies found on the way. */
export async function locate(scope: S3QueueScope, id: ItemId, attempt = 1): Promise<StageCopy | null> {
  const copies = await copiesIn(scope, id, STAGE_NAMES);
  if (copies.length <= 1) return copies[0] ?? null;
  const winner = winningCopy(copies);
  // A move in flight may have taken the winner on meanwhile; delete only what is surely stale.
  if ((await scope.store.head(scope.layout.key(winner.stage, id))) === null) {
    return attempt < LOCATE_ATTEMPTS ? locate(scope, id, attempt + 1) : winner;
  }
  const stale = copies.filter((copy) => copy !== winner).map((copy) => copy.stage);
  scope.logger.warn(
    { queue: scope.name, id, stage: winner.stage, stale },
    "S3Queue: item found in several stages (an interrupted move, or a claim that lost a race); deleting the stale copies",
  );
  await Promise.all(stale.map((stage) => scope.store.delete(scope.layout.key(stage, id))));
  return winner;
}

/** The winning stage of an id a listing found in several stages. */
export async function stageOfDuplicate(scope: S3QueueScope, id: ItemId): Promise<StageName | null> {
  return (await locate(scope, id))?.stage ?? null;
}
