import type { CallbackOutbox, CallbackOutcome, ClaimedCallback } from "@task-queue/queue-core";
import type { DrizzleDatabase } from "./database.js";
import { translateErrors } from "./database-errors.js";
import { executorFor } from "./executor.js";
import { claimCallbacks, deleteDelivered, recordFailedTry } from "./sql/callbacks.js";
import { dateOf } from "./sql/scope.js";
import type { QueueTable } from "./table.js";

/**
 * The table's callback outbox for CallbackDeliverer: rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so
 * deliverers in several processes share the work, and a process that dies mid-try leaves its rows due again once
 * the lease runs out. Outcomes are fenced by the try's number, so a try that outlived its lease changes nothing.
 */
export class SqlCallbackOutbox implements CallbackOutbox {
  /** @internal Made by SqlQueueNamespace (its callbackOutbox). */
  constructor(
    private readonly db: DrizzleDatabase,
    private readonly table: QueueTable,
  ) {}

  async claimCallbacks(n: number, leaseSeconds: number): Promise<ClaimedCallback[]> {
    const rows = await translateErrors(() =>
      claimCallbacks(executorFor(this.db), this.table, n, leaseSeconds),
    );
    return rows.map((row) => ({
      deliveryId: row.id,
      url: row.url,
      payload: row.payload,
      attempts: row.attempts,
      retryFrom: dateOf(row.retry_from)!,
      secret: row.secret,
    }));
  }

  async settleCallback(claim: ClaimedCallback, outcome: CallbackOutcome): Promise<void> {
    const run = executorFor(this.db);
    await translateErrors(() =>
      outcome.delivered
        ? deleteDelivered(run, this.table, claim.deliveryId, claim.attempts)
        : recordFailedTry(run, this.table, claim.deliveryId, claim.attempts, outcome.error, outcome.retryAt),
    );
  }
}
