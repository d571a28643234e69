import {
  type FailOutcome,
  type ItemId,
  LeaseLost,
  QueueUnavailable,
  type SkippedItem,
} from "@task-queue/queue-core";
import { checkHolder } from "./fence.js";
import { LOCATE_ATTEMPTS, locate, locateExpected } from "./locate.js";
import type { S3QueueScope } from "./scope.js";
import { transition } from "./transition.js";

/** One success or failure, validated: what it may act on and what it writes. */
export interface Finish {
  id: ItemId;
  attempt: number | undefined;
  outcome: "success" | "fail";
  /** success: the result's JSON text (null: none). */
  resultJson?: string | null;
  /** fail: the reason (null: none). */
  reason?: string | null;
}

export type FinishOutcome = { moved: FailOutcome | "SUCCESS" } | { skip: SkippedItem; error: Error };

/**
 * PROCESSING → SUCCESS (with the result), or a failed attempt: back to WAITING while attempts < max_attempts (at
 * once: S3Queue has no delays), else FAIL; the reason becomes last_error either way. Fenced by the attempt
 * (checkHolder) against the object located, and the write names that object's ETag (COPY with
 * x-amz-copy-source-if-match, or a GET compared by ETag), so a zombie whose item was handed out again changes
 * nothing; its copy is withdrawn when a newer state won the race (LeaseLost).
 */
export async function finishOne(scope: S3QueueScope, finish: Finish): Promise<FinishOutcome> {
  const { id, attempt } = finish;
  for (let round = 0; round < LOCATE_ATTEMPTS; round++) {
    const now = Date.now();
    // First in PROCESSING alone (locateExpected); a round after a lost race looks everywhere.
    const found = round === 0 ? await locateExpected(scope, id, "PROCESSING") : await locate(scope, id);
    const checked = checkHolder(id, found, finish.outcome, attempt, now);
    if ("error" in checked) return checked;
    const { at } = checked;
    const fenced = attempt !== undefined;
    const base = { ...at.meta, leaseExpiresAt: null, updatedAt: now };
    const retry = finish.outcome === "fail" && at.meta.attempts < at.meta.maxAttempts;
    const to = finish.outcome === "success" ? "SUCCESS" : retry ? "WAITING" : "FAIL";
    const outcome = await transition(scope, id, at, {
      to,
      meta: base,
      ...(finish.outcome === "success"
        ? { resultJson: finish.resultJson ?? null }
        : { lastError: finish.reason ?? null }),
      verify: fenced,
      still: (meta) => meta.attempts === at.meta.attempts,
    });
    if (outcome === "done") {
      if (to === "WAITING") scope.wake();
      return { moved: to };
    }
    if (outcome === "lost") {
      return {
        skip: { id, reason: "LEASE_LOST" },
        error: new LeaseLost(
          id,
          attempt ?? at.meta.attempts,
          at.meta.attempts + 1,
          "another state won the race",
        ),
      };
    }
    // changed: read again; the fence then says what happened.
  }
  throw new QueueUnavailable(`item ${JSON.stringify(id)} kept changing while it was being completed`);
}
