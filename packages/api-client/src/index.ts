// Receivers of completion callbacks verify them with the one implementation the server signs with (queue-core's).
export {
  type CallbackPayload,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  DELIVERY_ID_HEADER,
  SIGNATURE_HEADER,
  type VerifyCallbackOptions,
  verifyCallbackSignature,
} from "@task-queue/queue-core";
export { ApiClient, type ApiClientOptions, type QueueSummary } from "./api-client.js";
export { ApiError, errorFromResponse } from "./errors.js";
export type { components, operations, paths } from "./generated/openapi.js";
export { ApiQueueNamespace } from "./namespace.js";
export type { FetchFunction, RetryPolicy } from "./transport.js";
