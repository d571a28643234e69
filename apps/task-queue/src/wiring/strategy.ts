import { ProcessingLimit, ReleaseAll, type ReleaseStrategy, ResourceLimit } from "@task-queue/controller";
import type { Settings } from "../config/schema.js";

/**
 * As the Python task-queue chose: RESOURCE_LIMITS → ResourceLimit (even with PROCESSING_LIMIT given), else
 * PROCESSING_LIMIT → ProcessingLimit (default 10), and PROCESSING_LIMIT 0 → ReleaseAll.
 */
export function createStrategy(settings: Settings): ReleaseStrategy {
  if (settings.resource_limits !== undefined)
    return new ResourceLimit(settings.resource_limits, settings.resource_key);
  if (settings.processing_limit > 0) return new ProcessingLimit(settings.processing_limit);
  return new ReleaseAll();
}
