export { type ProcessJobBody, parseProcessBody } from "./body.js";
export {
  DEFAULT_INTERPRETERS,
  ProcessWorker,
  type ProcessWorkerOptions,
  SCRIPT_PLACEHOLDER,
} from "./process-worker.js";
export { resolveScript } from "./script-path.js";
