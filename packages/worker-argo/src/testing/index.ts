export {
  ArgoEmulator,
  type ArgoEmulatorOptions,
  type InjectedFailure,
  type RecordedRequest,
  type WorkflowPhase,
} from "./argo-emulator.js";
export { applyFieldMask } from "./field-mask.js";
export { type LabelSelector, parseLabelSelector } from "./label-selector.js";
