export { type Clock, systemClock } from "./clock.js";
export { Controller, type ControllerOptions, type TickReport } from "./controller.js";
export type { ResourceAmounts } from "./resources.js";
export {
  applyRetention,
  type RetentionPolicy,
  type RetentionReport,
} from "./retention.js";
export { ServiceLoop, type ServiceLoopOptions, type TickOptions } from "./service-loop.js";
export { ProcessingLimit } from "./strategies/processing-limit.js";
export { ReleaseAll } from "./strategies/release-all.js";
export { ResourceLimit, type ResourceLimitOptions } from "./strategies/resource-limit.js";
export type { ReleaseStrategy } from "./strategy.js";
export {
  DEFAULT_GRACE_PERIOD_MS,
  type PushOptions,
  type PushResult,
  type UpdateResult,
  WorkQueue,
  type WorkQueueOptions,
} from "./work-queue.js";
