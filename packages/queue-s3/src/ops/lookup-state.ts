import {
  InvalidArgument,
  type ItemId,
  itemIdProblem,
  type NormalizedPage,
  STAGE_NAMES,
  type StageName,
  type StatePage,
} from "@task-queue/queue-core";
import { encodeId } from "../key-codec.js";
import { mergeStages } from "../stage-listing.js";
import { stageOfDuplicate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

/**
 * Ids of one stage in key order. Pages walk every stage over the page's key range, so that an item left in two
 * stages by an interrupted move is listed once, in its winning stage.
 */
export async function idsInStage(
  scope: S3QueueScope,
  name: StageName,
  request: NormalizedPage | null,
): Promise<StatePage> {
  let after: string | null = null;
  if (request?.cursor != null) {
    const problem = itemIdProblem(request.cursor);
    if (problem !== null) throw new InvalidArgument("cursor", `not a cursor this queue gave: ${problem}`);
    after = encodeId(request.cursor);
  }
  const ids: ItemId[] = [];
  for await (const item of mergeStages(scope.store, scope.layout, STAGE_NAMES, after)) {
    if (!item.stages.includes(name)) continue;
    if (request !== null && !item.id.startsWith(request.prefix)) continue;
    const winner = item.stages.length === 1 ? name : await stageOfDuplicate(scope, item.id);
    if (winner !== name) continue;
    if (request !== null && ids.length === request.limit) {
      return { ids, nextCursor: ids[ids.length - 1]! };
    }
    ids.push(item.id);
  }
  return { ids, nextCursor: null };
}
