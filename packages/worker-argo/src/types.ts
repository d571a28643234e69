import type { components } from "./generated/argo.js";

type Schemas = components["schemas"];
export type Workflow = Schemas["io.argoproj.workflow.v1alpha1.Workflow"];
export type WorkflowList = Schemas["io.argoproj.workflow.v1alpha1.WorkflowList"];
export type WorkflowSubmitRequest = Schemas["io.argoproj.workflow.v1alpha1.WorkflowSubmitRequest"];
export type WorkflowCreateRequest = Schemas["io.argoproj.workflow.v1alpha1.WorkflowCreateRequest"];
export type LogEntry = Schemas["io.argoproj.workflow.v1alpha1.LogEntry"];
export type GrpcError = Schemas["grpc.gateway.runtime.Error"];
export type StreamError = Schemas["grpc.gateway.runtime.StreamError"];
