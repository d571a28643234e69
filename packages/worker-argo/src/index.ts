export { ArgoApiError, ArgoError, ArgoNetworkError } from "./errors.js";
export {
  ANNOTATION_ITEM_ID,
  escapeAnnotationValue,
  isValidLabelValue,
  itemLabelValue,
  LABEL_COMPLETED,
  LABEL_INTERFACE_ID,
  LABEL_ITEM_ID,
  LABEL_PHASE,
  unescapeAnnotationValue,
} from "./labels.js";
export type { ArgoRetryOptions, ArgoTlsOptions, ArgoWorkerOptions } from "./options.js";
export type { Workflow, WorkflowCreateRequest, WorkflowSubmitRequest } from "./types.js";
export { ArgoWorkflowsWorker } from "./worker.js";
