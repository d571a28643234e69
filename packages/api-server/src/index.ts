export { API_TITLE, API_VERSION, createApp, openApiDocument } from "./app.js";
export type { App } from "./context.js";
export { ERROR_CODE_HEADER, type ValidationProblem } from "./http-errors.js";
export { serializeOpenApi } from "./openapi-file.js";
export {
  type ApiLimits,
  type AppMetrics,
  type AppOptions,
  DEFAULT_MAX_JSON_CONTAINERS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_READY_TIMEOUT_MS,
} from "./options.js";
