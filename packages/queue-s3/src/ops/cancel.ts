import { InvalidTransition, type ItemId, ItemNotFound, QueueUnavailable } from "@task-queue/queue-core";
import { LOCATE_ATTEMPTS, locate } from "./locate.js";
import type { S3QueueScope } from "./scope.js";
import { transition } from "./transition.js";

/**
 * WAITING or PROCESSING → FAIL with last_error = reason: 4 HEAD, GET, PUT of the FAIL envelope, and the conditional
 * DELETE of the source. When the item moved on meanwhile (claimed, completed), the FAIL copy is withdrawn and the
 * cancel is tried again on the new state.
 */
export async function cancelItem(scope: S3QueueScope, id: ItemId, reason: string): Promise<void> {
  for (let round = 0; round < LOCATE_ATTEMPTS; round++) {
    const at = await locate(scope, id);
    if (at === null) throw new ItemNotFound(id);
    if (at.stage !== "WAITING" && at.stage !== "PROCESSING")
      throw new InvalidTransition(id, "cancel", at.stage);
    const meta = { ...at.meta, leaseExpiresAt: null, updatedAt: Date.now() };
    const outcome = await transition(scope, id, at, { to: "FAIL", meta, lastError: reason, verify: true });
    if (outcome === "done") return;
  }
  throw new QueueUnavailable(`item ${JSON.stringify(id)} kept changing while it was being cancelled`);
}
