import { createHash } from "node:crypto";

/** Label keys shared with the system we replace: select this worker's workflows, and find an item's workflow. */
export const LABEL_INTERFACE_ID = "work-queue.interface-id";
export const LABEL_ITEM_ID = "work-queue.queue-item-id";
/** Always carries the item id (escaped, see escapeAnnotationValue): a label can only hold a hash of some ids. */
export const ANNOTATION_ITEM_ID = "work-queue.queue-item-id";
/** Set by the Argo workflow controller (workflow/common/common.go: LabelKeyPhase, LabelKeyCompleted). */
export const LABEL_PHASE = "workflows.argoproj.io/phase";
export const LABEL_COMPLETED = "workflows.argoproj.io/completed";

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

/** A Kubernetes label value: at most 63 characters, [A-Za-z0-9._-], alphanumeric at both ends (or empty). */
export function isValidLabelValue(value: string): boolean {
  return LABEL_VALUE.test(value);
}

/**
 * The label value that stands for an item id: the id itself when Kubernetes accepts it, otherwise 63 hex digits of
 * its SHA-256 (stable across processes, so deleteJob and pollAllStatus find the workflow again).
 */
export function itemLabelValue(id: string): string {
  if (id !== "" && isValidLabelValue(id)) return id;
  return createHash("sha256").update(id, "utf8").digest("hex").slice(0, 63);
}

/**
 * Argo's submit endpoint takes annotations as one "k=v,k2=v2" string, so an id holding "," or "=" would be cut.
 * Those two characters (and "%", to stay reversible) are percent-encoded; every other character is kept as is.
 */
export function escapeAnnotationValue(value: string): string {
  return value.replace(
    /[%,=]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

export function unescapeAnnotationValue(value: string): string {
  return value.replace(/%(25|2C|3D)/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The labels and annotations the worker adds to every workflow it starts. */
export function itemMetadata(
  interfaceId: string,
  itemId: string,
): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  return {
    labels: { [LABEL_INTERFACE_ID]: interfaceId, [LABEL_ITEM_ID]: itemLabelValue(itemId) },
    annotations: { [ANNOTATION_ITEM_ID]: escapeAnnotationValue(itemId) },
  };
}

/** Parses Argo's "k=v,k2=v2" form (SubmitOpts.labels / .annotations); throws a message naming the bad entry. */
export function parseKeyValueList(text: string, what: string): Array<[string, string]> {
  if (text.trim() === "") return [];
  return text.split(",").map((entry) => {
    const parts = entry.split("=");
    if (parts.length !== 2 || parts[0] === "") {
      throw new Error(
        `${what}: expected "key=value" entries separated by commas, got ${JSON.stringify(entry)}`,
      );
    }
    return [parts[0] as string, parts[1] as string];
  });
}

/** Merges ours over the body's own "k=v,…" string: the body's keys are kept, ours replace any of the same key. */
export function mergeKeyValueList(
  existing: string | undefined,
  ours: Record<string, string>,
  what: string,
): string {
  const merged = new Map(parseKeyValueList(existing ?? "", what));
  for (const [key, value] of Object.entries(ours)) merged.set(key, value);
  return [...merged].map(([key, value]) => `${key}=${value}`).join(",");
}
