import type { ItemId, Job } from "@task-queue/queue-core";
import { decodeContent, metaHeaders, readMeta } from "../item-meta.js";
import { LIST_PAGE } from "../stage-listing.js";
import { deleteSource } from "./delete-source.js";
import { copiesIn, locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";

/** How get hands items out: with a lease of this many seconds (null: none), on a store with conditional writes. */
export interface Claim {
  leaseSeconds: number | null;
  conditional: boolean;
  /** Told each claim's PROCESSING object (ETag and lease), so a later rescue scan needs no HEAD for it. */
  remember?: (key: string, etag: string | null, lease: number | null) => void;
}

/**
 * Claims up to `n` WAITING items in key order. The caller serialises calls within one process (the claim lock), so
 * listing and claiming never interleave with another get of this queue object.
 */
export async function takeWaiting(scope: S3QueueScope, n: number, how: Claim): Promise<Job[]> {
  const out: Job[] = [];
  let after: string | null = null;
  while (out.length < n) {
    const wanted = n - out.length;
    const page = await scope.store.listPage(
      scope.layout.stagePrefix("WAITING"),
      after === null ? undefined : after,
      Math.min(LIST_PAGE, wanted),
    );
    if (page.keys.length === 0) break;
    after = page.keys[page.keys.length - 1]!;
    // Settled, not Promise.all: when one claim fails (the store errs), the others may already be in PROCESSING
    // under this call, and throwing would strand them there unseen (a moto 500 in the 4-process drain test did).
    const settled = await Promise.allSettled(page.keys.map((key) => claim(scope, key, how)));
    let failure: unknown = null;
    for (const result of settled) {
      if (result.status === "rejected") failure ??= result.reason;
      else if (result.value !== null) out.push(result.value);
    }
    if (failure !== null) {
      // Hand out what was claimed; the error is raised only when there is nothing to hand out.
      if (out.length === 0) throw failure;
      scope.logger.warn(
        { queue: scope.name, err: failure, claimed: out.length },
        "a claim failed; returning the items already claimed",
      );
      break;
    }
    if (!page.truncated) break;
  }
  return out;
}

/**
 * WAITING → PROCESSING for one key: read it, write the PROCESSING copy (the claim; If-None-Match: * makes two
 * consumers' claims exclusive) with attempts + 1 and the lease, check that no one claimed and finished it
 * meanwhile (where conditional), then delete the WAITING object that was read (never a newer one). Null when
 * someone else had it first.
 */
async function claim(scope: S3QueueScope, waitingKey: string, how: Claim): Promise<Job | null> {
  const { conditional } = how;
  const id = scope.layout.idOf("WAITING", waitingKey);
  if (id === null) return null;
  const source = await scope.store.getJson(waitingKey);
  if (source === null) return null;
  const processingKey = scope.layout.key("PROCESSING", id);
  const now = Date.now();
  const old = readMeta(source.metadata, scope.maxAttempts);
  const meta = {
    ...old,
    seq: source.seq + 1,
    attempts: old.attempts + 1,
    leaseExpiresAt: how.leaseSeconds === null ? null : now + how.leaseSeconds * 1000,
    createdAt: old.createdAt ?? (source.lastModified || now),
    updatedAt: now,
  };
  const outcome = await scope.store.putJson(
    processingKey,
    source.text,
    meta.seq,
    conditional,
    metaHeaders(meta),
  );
  if (!outcome.written) {
    // Another consumer claimed it, or a get crashed before its delete: either way PROCESSING wins; tidy up.
    await locate(scope, id);
    return null;
  }
  if (conditional && (await movedOnSince(scope, id, source.seq + 1))) {
    // Our read of WAITING was stale (see movedOnSince): the PROCESSING copy we just wrote is a second claim.
    await deleteSource(scope, processingKey, outcome.etag);
    return null;
  }
  // Only the WAITING object read here: the item may have been failed and requeued since (by another process).
  await deleteSource(scope, waitingKey, source.etag);
  how.remember?.(processingKey, outcome.etag, meta.leaseExpiresAt);
  return {
    itemId: id,
    body: decodeContent(source.text, old.envelope).body,
    attempt: meta.attempts,
    leaseExpiresAt: meta.leaseExpiresAt === null ? null : new Date(meta.leaseExpiresAt),
    ...(meta.traceContext === null ? {} : { traceContext: meta.traceContext }),
  };
}

/**
 * Whether SUCCESS or FAIL already holds the item at claim count `seq` or later. If-None-Match: * on PROCESSING
 * excludes a second claim only while the first claim's copy is still in PROCESSING. When another process claimed
 * the item between our GET of WAITING and our PUT, and then moved it on (success/fail copy it out of PROCESSING,
 * then delete it), PROCESSING is free again and our PUT succeeds: without this check the item was handed out
 * twice. That move copied the item, with the count our stale read also gives (source seq + 1), to SUCCESS or FAIL
 * before it deleted PROCESSING, so the copy is there when our PUT succeeds. Copies left from earlier rounds have
 * lower counts. Only stores that enforce conditional writes need it: on the others one process claims at a time.
 */
async function movedOnSince(scope: S3QueueScope, id: ItemId, seq: number): Promise<boolean> {
  return (await copiesIn(scope, id, ["SUCCESS", "FAIL"])).some((copy) => copy.seq >= seq);
}
