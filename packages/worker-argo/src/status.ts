import { type ItemId, QueueItemStage } from "@task-queue/queue-core";
import {
  ANNOTATION_ITEM_ID,
  LABEL_COMPLETED,
  LABEL_ITEM_ID,
  LABEL_PHASE,
  unescapeAnnotationValue,
} from "./labels.js";
import type { Workflow } from "./types.js";

/** Only these metadata fields are asked for when polling (Argo's `fields` mask): no spec, no status. */
export const POLL_FIELDS = [
  "metadata.continue",
  "metadata.resourceVersion",
  "items.metadata.name",
  "items.metadata.creationTimestamp",
  "items.metadata.labels",
  "items.metadata.annotations",
  // A few words from the workflow controller on why a workflow failed: the item's last_error.
  "items.status.message",
].join(",");

/** completed != "true" → PROCESSING (also before the controller has set any label); Succeeded → SUCCESS; else FAIL. */
export function workflowStage(labels: Record<string, string> | undefined): QueueItemStage {
  if (labels?.[LABEL_COMPLETED] !== "true") return QueueItemStage.PROCESSING;
  return labels[LABEL_PHASE] === "Succeeded" ? QueueItemStage.SUCCESS : QueueItemStage.FAIL;
}

/** The item a workflow runs: the annotation holds the full id; the label is enough when no annotation is there. */
export function workflowItemId(workflow: Workflow): ItemId | undefined {
  const annotation = workflow.metadata.annotations?.[ANNOTATION_ITEM_ID];
  if (annotation !== undefined) return unescapeAnnotationValue(annotation);
  return workflow.metadata.labels?.[LABEL_ITEM_ID];
}

function createdAt(workflow: Workflow): number {
  const time = Date.parse(workflow.metadata.creationTimestamp ?? "");
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** True when `a` is newer: later creation time, and (timestamps have one-second resolution) later name on a tie. */
function isNewer(a: Workflow, b: Workflow): boolean {
  const diff = createdAt(a) - createdAt(b);
  if (diff !== 0) return diff > 0;
  return (a.metadata.name ?? "") > (b.metadata.name ?? "");
}

/** Keeps, for each item, its newest workflow. */
export class NewestWorkflows {
  private readonly newest = new Map<ItemId, Workflow>();

  add(workflow: Workflow): void {
    const id = workflowItemId(workflow);
    if (id === undefined) return;
    const current = this.newest.get(id);
    if (!current || isNewer(workflow, current)) this.newest.set(id, workflow);
  }

  stages(): Map<ItemId, QueueItemStage> {
    return new Map([...this.newest].map(([id, workflow]) => [id, workflowStage(workflow.metadata.labels)]));
  }

  /** For each failed item, its newest workflow's name, phase and message. */
  failures(): Map<ItemId, string> {
    const failures = new Map<ItemId, string>();
    for (const [id, workflow] of this.newest) {
      const labels = workflow.metadata.labels;
      if (workflowStage(labels) !== QueueItemStage.FAIL) continue;
      const message = workflow.status?.message;
      const phase = `workflow ${workflow.metadata.name ?? "?"} ${labels?.[LABEL_PHASE] ?? "failed"}`;
      failures.set(id, message ? `${phase}: ${message}` : phase);
    }
    return failures;
  }
}
