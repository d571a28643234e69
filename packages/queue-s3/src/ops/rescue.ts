import { type ItemId, LEASE_EXPIRED_REASON, type RescueResult } from "@task-queue/queue-core";
import { readMeta } from "../item-meta.js";
import { LIST_PAGE } from "../stage-listing.js";
import { isExpired } from "./fence.js";
import type { FoundCopy } from "./locate.js";
import type { S3QueueScope } from "./scope.js";
import { transition } from "./transition.js";

/**
 * What this queue object knows about PROCESSING objects, by key: the ETag it saw (or its own claim wrote) and the
 * lease. A listing
 * gives every key's ETag, and a claim changes the bytes (object-body.ts) and so the ETag: an object listed with a
 * known ETag whose lease was not yet due (or that had none) needs no HEAD. A lease renewed by extend keeps the ETag;
 * the cache then holds an older expiry, which only costs a HEAD when that passes.
 */
export class LeaseCache {
  private readonly known = new Map<string, { etag: string; lease: number | null }>();

  /** Whether the key may hold an expired lease (unknown, changed, or its known lease has passed). */
  mayBeExpired(key: string, etag: string | null, now: number): boolean {
    const entry = this.known.get(key);
    if (etag === null || entry === undefined || entry.etag !== etag) return true;
    return isExpired(entry.lease, now);
  }

  remember(key: string, etag: string | null, lease: number | null): void {
    if (etag !== null) this.known.set(key, { etag, lease });
  }

  /** Drops keys a complete listing no longer showed. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.known.keys()) if (!keys.has(key)) this.known.delete(key);
  }
}

/**
 * Treats every PROCESSING item whose lease has expired as a failed attempt with reason "lease expired": back to
 * WAITING (at once) while attempts remain, else FAIL. Cost: one LIST per 1,000 PROCESSING keys, one HEAD per object
 * the cache cannot vouch for, and per expired item a GET, a PUT and the conditional DELETE.
 */
export async function rescueExpired(scope: S3QueueScope, cache: LeaseCache): Promise<RescueResult> {
  const result: RescueResult = { retried: [], failed: [] };
  const prefix = scope.layout.stagePrefix("PROCESSING");
  const seen = new Set<string>();
  const candidates: Array<{ id: ItemId; key: string }> = [];
  let startAfter: string | undefined;
  const now = Date.now();
  for (;;) {
    const page = await scope.store.listPage(prefix, startAfter, LIST_PAGE);
    page.keys.forEach((key, i) => {
      seen.add(key);
      const id = scope.layout.idOf("PROCESSING", key);
      if (id !== null && cache.mayBeExpired(key, page.etags[i] ?? null, now)) candidates.push({ id, key });
    });
    if (!page.truncated || page.keys.length === 0) break;
    startAfter = page.keys[page.keys.length - 1];
  }
  cache.keepOnly(seen);
  const outcomes = await Promise.all(candidates.map(({ id, key }) => rescueOne(scope, cache, id, key)));
  outcomes.forEach((outcome, i) => {
    if (outcome === "WAITING") result.retried.push(candidates[i]!.id);
    else if (outcome === "FAIL") result.failed.push(candidates[i]!.id);
  });
  if (result.retried.length > 0) scope.wake();
  return result;
}

async function rescueOne(
  scope: S3QueueScope,
  cache: LeaseCache,
  id: ItemId,
  key: string,
): Promise<"WAITING" | "FAIL" | null> {
  const object = await scope.store.head(key);
  if (object === null) return null;
  const meta = readMeta(object.metadata, scope.maxAttempts);
  cache.remember(key, object.etag, meta.leaseExpiresAt);
  const now = Date.now();
  if (!isExpired(meta.leaseExpiresAt, now)) return null;
  const at: FoundCopy = {
    stage: "PROCESSING",
    seq: object.seq,
    etag: object.etag,
    meta,
    lastModified: object.lastModified,
    updatedAt: meta.updatedAt,
  };
  const to = meta.attempts < meta.maxAttempts ? "WAITING" : "FAIL";
  const outcome = await transition(scope, id, at, {
    to,
    meta: { ...meta, leaseExpiresAt: null, updatedAt: now },
    lastError: LEASE_EXPIRED_REASON,
    // Renewed or handed out again since the HEAD: not expired any more.
    still: (current) => current.attempts === meta.attempts && isExpired(current.leaseExpiresAt, Date.now()),
    verify: true,
  });
  return outcome === "done" ? to : null;
}
