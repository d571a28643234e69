import { ProcessingLimit, ReleaseAll, type ReleaseStrategy, ResourceLimit } from "@task-queue/controller";
import type { Settings } from "../config/schema.js";

/** PROCESSING_LIMIT → ProcessingLimit, RESOURCE_LIMITS → ResourceLimit, neither → ReleaseAll (both: a config error). */
export function createStrategy(settings: Settings): ReleaseStrategy {
  if (settings.processing_limit !== undefined) return new ProcessingLimit(settings.processing_limit);
  if (settings.resource_limits !== undefined)
    return new ResourceLimit(settings.resource_limits, settings.resource_key);
  return new ReleaseAll();
}
