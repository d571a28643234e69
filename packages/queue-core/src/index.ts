export { allIdsInStage } from "./all-ids.js";
export {
  InvalidArgument,
  InvalidItem,
  InvalidStage,
  InvalidTransition,
  ItemNotFound,
  type ItemProblem,
  isQueueError,
  type QueueAction,
  QueueError,
  type QueueErrorCode,
  QueueUnavailable,
} from "./errors.js";
export { InMemoryQueue, InMemoryQueueNamespace } from "./in-memory-queue.js";
export type { JsonObject, JsonPrimitive, JsonValue } from "./json.js";
export { type Logger, silentLogger } from "./logger.js";
export {
  type HistoryEntry,
  hasHistory,
  type ItemId,
  type MoveResult,
  type PageRequest,
  type PutResult,
  type Queue,
  type QueueDescription,
  type QueueItem,
  type QueueNamespace,
  type QueueWithHistory,
  type RequeueResult,
  type SkippedItem,
  type SkipReason,
  type StatePage,
} from "./queue.js";
export { REDACTED, redactUrlsIn } from "./redact.js";
export { type BackoffPolicy, RETRY, type Try, withBackoff } from "./retry.js";
export {
  emptySizes,
  isQueueItemStage,
  isStageName,
  parseStage,
  QueueItemStage,
  STAGE_NAMES,
  type StageName,
  type StageSizes,
  stageName,
} from "./stage.js";
export {
  assertCount,
  assertItemId,
  assertItemIds,
  assertQueueName,
  type BodyLimits,
  type BodyProblem,
  bodyProblem,
  DEFAULT_MAX_BODY_DEPTH,
  DEFAULT_PAGE_LIMIT,
  formatBodyPath,
  idList,
  itemIdProblem,
  jsonValueProblem,
  MAX_BODY_BYTES,
  MAX_BODY_DEPTH_CEILING,
  MAX_GET_N,
  MAX_ID_BYTES,
  MAX_PAGE_LIMIT,
  MAX_QUEUE_NAME_LENGTH,
  normalizePage,
  queueNameProblem,
  resolveBodyLimits,
  type ValidItem,
  validatePutBatch,
} from "./validation.js";
export type { QueueWorker } from "./worker.js";
