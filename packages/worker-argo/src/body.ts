import { InvalidItem, type ItemId, type JsonValue } from "@task-queue/queue-core";
import { itemMetadata, mergeKeyValueList } from "./labels.js";
import type { Workflow, WorkflowCreateRequest, WorkflowSubmitRequest } from "./types.js";

/** What sendJob posts: a submit from a (Cluster)WorkflowTemplate, or a full Workflow manifest. */
export type ArgoJobRequest =
  | { kind: "submit"; body: WorkflowSubmitRequest }
  | { kind: "create"; body: WorkflowCreateRequest };

const RESOURCE_KINDS = ["WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"];

type JsonRecord = { [key: string]: JsonValue };

function isRecord(value: JsonValue | undefined): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(id: ItemId, reason: string): InvalidItem {
  return new InvalidItem([{ id, reason }]);
}

function stringMap(id: ItemId, value: JsonValue | undefined, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value) || Object.values(value).some((entry) => typeof entry !== "string")) {
    throw invalid(id, `${where} must be an object of strings`);
  }
  return value as Record<string, string>;
}

function submitRequest(id: ItemId, interfaceId: string, submit: JsonRecord): WorkflowSubmitRequest {
  const { resourceKind, resourceName, submitOptions } = submit;
  if (typeof resourceKind !== "string" || !RESOURCE_KINDS.includes(resourceKind)) {
    throw invalid(id, `submit_body.resourceKind must be one of ${RESOURCE_KINDS.join(", ")}`);
  }
  if (typeof resourceName !== "string" || resourceName === "") {
    throw invalid(id, "submit_body.resourceName must be a non-empty string");
  }
  if (submitOptions !== undefined && !isRecord(submitOptions)) {
    throw invalid(id, "submit_body.submitOptions must be an object");
  }
  const opts = submitOptions ?? {};
  for (const key of ["labels", "annotations"] as const) {
    if (opts[key] !== undefined && typeof opts[key] !== "string") {
      throw invalid(id, `submit_body.submitOptions.${key} must be one "key=value,key2=value2" string`);
    }
  }
  const ours = itemMetadata(interfaceId, id);
  try {
    return {
      ...(submit as WorkflowSubmitRequest),
      submitOptions: {
        ...(opts as WorkflowSubmitRequest["submitOptions"]),
        labels: mergeKeyValueList(opts.labels as string | undefined, ours.labels, "submitOptions.labels"),
        annotations: mergeKeyValueList(
          opts.annotations as string | undefined,
          ours.annotations,
          "submitOptions.annotations",
        ),
      },
    };
  } catch (error) {
    throw invalid(id, `submit_body.${(error as Error).message}`);
  }
}

function createRequest(id: ItemId, interfaceId: string, manifest: JsonRecord): WorkflowCreateRequest {
  if (manifest.metadata !== undefined && !isRecord(manifest.metadata)) {
    throw invalid(id, "workflow.metadata must be an object");
  }
  if (!isRecord(manifest.spec)) throw invalid(id, "workflow.spec must be an object");
  const metadata = manifest.metadata ?? {};
  const ours = itemMetadata(interfaceId, id);
  const named = typeof metadata.name === "string" || typeof metadata.generateName === "string";
  const workflow = {
    ...manifest,
    metadata: {
      ...metadata,
      ...(named ? {} : { generateName: "work-queue-" }),
      labels: { ...stringMap(id, metadata.labels, "workflow.metadata.labels"), ...ours.labels },
      annotations: {
        ...stringMap(id, metadata.annotations, "workflow.metadata.annotations"),
        ...ours.annotations,
      },
    },
  } as Workflow;
  return { workflow };
}

/**
 * Reads an item body: `{ "submit_body": WorkflowSubmitRequest }` or `{ "workflow": Workflow }`, and adds the
 * worker's labels to the body's own. Throws InvalidItem naming the problem.
 */
export function jobRequest(id: ItemId, interfaceId: string, body: JsonValue): ArgoJobRequest {
  if (!isRecord(body)) throw invalid(id, "the body must be an object with submit_body or workflow");
  const hasSubmit = body.submit_body !== undefined;
  const hasWorkflow = body.workflow !== undefined;
  if (hasSubmit === hasWorkflow)
    throw invalid(id, "the body must have exactly one of submit_body or workflow");
  if (hasSubmit) {
    if (!isRecord(body.submit_body)) throw invalid(id, "submit_body must be an object");
    return { kind: "submit", body: submitRequest(id, interfaceId, body.submit_body) };
  }
  if (!isRecord(body.workflow)) throw invalid(id, "workflow must be an object");
  return { kind: "create", body: createRequest(id, interfaceId, body.workflow) };
}
