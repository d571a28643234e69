import type { ItemId, StageName } from "@task-queue/queue-core";
import { decodeContent, encodeContent, type ItemMeta, metaHeaders, readMeta } from "../item-meta.js";
import { deleteSource } from "./delete-source.js";
import { type FoundCopy, locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

/** What a transition writes: the destination stage, the new lifecycle fields, and (when they change) the body's. */
export interface Change {
  to: StageName;
  meta: ItemMeta;
  /** The new last_error; undefined keeps the stored one. */
  lastError?: string | null;
  /** The new result as JSON text; undefined keeps the stored one. */
  resultJson?: string | null;
  /**
   * Checked against the metadata the GET returns, when the body is read: a lease renewed since the HEAD, say, calls
   * the transition off ("changed").
   */
  still?: (meta: ItemMeta) => boolean;
  /**
   * After a refused delete of the source, find out whether this transition's copy is the item's state, and
   * withdraw it when a newer state won (fenced calls, rescue, cancel). Without it the transition counts as done,
   * as legacy moves always have.
   */
  verify?: boolean;
}

/** done; changed: the source was not the object `at` named (the caller re-reads); lost: a newer state won. */
export type TransitionOutcome = "done" | "changed" | "lost";

/**
 * Moves (or rewrites in place) the object `at` named. When only metadata changes, a server-side COPY with the new
 * metadata and x-amz-copy-source-if-match (1 request); when last_error or result change, or to rewrite in place on
 * a store that enforces If-Match on PUT, GET then PUT (2; in place with If-Match). Then the source is deleted only
 * if it is still that object (deleteSource): never a newer state.
 */
export async function transition(
  scope: S3QueueScope,
  id: ItemId,
  at: FoundCopy,
  change: Change,
): Promise<TransitionOutcome> {
  const source = scope.layout.key(at.stage, id);
  const target = scope.layout.key(change.to, id);
  const keepsBody =
    (change.lastError === undefined && change.resultJson === undefined) ||
    (!at.meta.envelope && (change.lastError ?? null) === null && (change.resultJson ?? null) === null);
  // In place (extend), a conditional PUT is exact where the store enforces If-Match on PUT; a COPY onto itself is
  // conditional only where it honours x-amz-copy-source-if-match (AWS, not moto or s3rver).
  const inPlace = source === target;
  const replaceIfMatch = inPlace && at.etag !== null && (await scope.capabilities()).conditionalReplaces;
  let written: { written: true; etag: string | null } | { written: false };
  if (keepsBody && !replaceIfMatch) {
    const meta: ItemMeta = { ...change.meta, envelope: at.meta.envelope };
    written = await scope.store.copyReplacing(source, target, at.etag, metaHeaders(meta));
  } else {
    const object = await scope.store.getJson(source);
    if (object === null || (at.etag !== null && object.etag !== at.etag)) return "changed";
    if (change.still && !change.still(readMeta(object.metadata, scope.maxAttempts))) return "changed";
    const old = decodeContent(object.text, at.meta.envelope);
    const lastError = change.lastError === undefined ? old.lastError : change.lastError;
    const resultJson =
      change.resultJson === undefined
        ? old.result === null
          ? null
          : JSON.stringify(old.result)
        : change.resultJson;
    const content = encodeContent(old.bodyJson, lastError, resultJson);
    const meta: ItemMeta = { ...change.meta, envelope: content.envelope };
    const ifMatch = replaceIfMatch ? at.etag : null;
    written = await scope.store.putJson(target, content.json, meta.seq, false, metaHeaders(meta), ifMatch);
  }
  if (!written.written) return "changed";
  if (source === target) return "done";
  if (await deleteSource(scope, source, at.etag)) return "done";
  if (!change.verify) return "done";
  // The source was replaced or removed meanwhile: keep this copy only if it is still the item's state.
  const now = await locate(scope, id);
  if (now !== null && now.stage === change.to && now.seq === change.meta.seq && now.etag === written.etag) {
    return "done";
  }
  if (written.etag !== null) await deleteSource(scope, target, written.etag);
  return "lost";
}
