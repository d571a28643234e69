export { ApiClient, type ApiClientOptions, type QueueSummary } from "./api-client.js";
export { ApiError, errorFromResponse } from "./errors.js";
export type { components, operations, paths } from "./generated/openapi.js";
export { ApiQueueNamespace } from "./namespace.js";
export type { RetryPolicy } from "./transport.js";
