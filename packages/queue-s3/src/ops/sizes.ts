import { STAGE_NAMES, type StageSizes } from "@task-queue/queue-core";
import { mergeStages } from "../stage-listing.js";
import { stageOfDuplicate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

/** Items per stage: every stage listed at once, so an item left in two stages counts once, in its winning stage. */
export async function countByStage(scope: S3QueueScope): Promise<StageSizes> {
  const sizes: StageSizes = { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };
  for await (const item of mergeStages(scope.store, scope.layout, STAGE_NAMES)) {
    const stage = item.stages.length === 1 ? item.stages[0]! : await stageOfDuplicate(scope, item.id);
    if (stage !== null) sizes[stage]++;
  }
  return sizes;
}
