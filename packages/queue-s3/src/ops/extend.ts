import { type ItemId, QueueUnavailable } from "@task-queue/queue-core";
import { checkHolder } from "./fence.js";
import { LOCATE_ATTEMPTS, locate, locateExpected } from "./locate.js";
import type { S3QueueScope } from "./scope.js";
import { transition } from "./transition.js";

/**
 * Renews the lease held by `attempt`: the fence (checkHolder), then the PROCESSING object copied onto itself with
 * the new expiry, conditional on the ETag that was checked (a re-claim changes it). 1 HEAD (PROCESSING first, see
 * locateExpected) + 1 COPY, or GET + PUT with If-Match where the store enforces it.
 */
export async function extendLease(
  scope: S3QueueScope,
  id: ItemId,
  attempt: number,
  leaseSeconds: number,
): Promise<Date> {
  for (let round = 0; round < LOCATE_ATTEMPTS; round++) {
    const now = Date.now();
    const at = round === 0 ? await locateExpected(scope, id, "PROCESSING") : await locate(scope, id);
    const checked = checkHolder(id, at, "extend", attempt, now);
    if ("error" in checked) throw checked.error;
    const leaseExpiresAt = now + leaseSeconds * 1000;
    const meta = { ...checked.at.meta, leaseExpiresAt, updatedAt: now };
    if ((await transition(scope, id, checked.at, { to: "PROCESSING", meta })) === "done") {
      return new Date(leaseExpiresAt);
    }
  }
  throw new QueueUnavailable(`item ${JSON.stringify(id)} kept changing while its lease was being extended`);
}
