import {
  type CallbackListOptions,
  type CallbackOutbox,
  type CallbackOutcome,
  type CallbackPayload,
  type CallbackRecord,
  type CallbackSettings,
  type CallbackSettingsUpdate,
  type ClaimedCallback,
  type ResendResult,
  validateCallbackList,
  validateCallbackSettings,
  validateDeliveryIds,
} from "./callbacks.js";

interface Stored {
  record: CallbackRecord;
  retryFrom: number;
  claimedUntil: number;
}

/**
 * The callbacks of in-memory queues, recorded in the same synchronous step as the move (so nothing can come between
 * them) and lost with the process, like the items themselves. One outbox serves every queue of a namespace.
 */
export class InMemoryCallbackOutbox implements CallbackOutbox {
  private readonly pending = new Map<string, Stored>();
  private readonly settings = new Map<string, { url: string | null; secret: string | null }>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Records the callback of a move to SUCCESS or FAIL when the item or its queue has a URL. */
  record(notifyUrl: string | null, payload: CallbackPayload): void {
    const url = notifyUrl ?? this.settings.get(payload.queue)?.url ?? null;
    if (url === null) return;
    const now = this.now();
    const deliveryId = crypto.randomUUID();
    this.pending.set(deliveryId, {
      record: {
        deliveryId,
        queue: payload.queue,
        itemId: payload.item_id,
        url,
        payload,
        attempts: 0,
        lastError: null,
        createdAt: new Date(now),
        nextAttemptAt: new Date(now),
      },
      retryFrom: now,
      claimedUntil: 0,
    });
  }

  settingsOf(queue: string): CallbackSettings {
    const stored = this.settings.get(queue);
    return { url: stored?.url ?? null, hasSecret: (stored?.secret ?? null) !== null };
  }

  updateSettings(queue: string, update: CallbackSettingsUpdate): CallbackSettings {
    const valid = validateCallbackSettings(update);
    const stored = this.settings.get(queue) ?? { url: null, secret: null };
    this.settings.set(queue, {
      url: valid.url === undefined ? stored.url : valid.url,
      secret: valid.secret === undefined ? stored.secret : valid.secret,
    });
    return this.settingsOf(queue);
  }

  list(queue: string, options?: CallbackListOptions): CallbackRecord[] {
    const { status, limit } = validateCallbackList(options);
    const out: CallbackRecord[] = [];
    for (const { record } of this.pending.values()) {
      if (record.queue !== queue) continue;
      const failed = record.nextAttemptAt === null;
      if ((status === "failed" && !failed) || (status === "pending" && failed)) continue;
      out.push(structuredClone(record));
      if (out.length === limit) break;
    }
    return out;
  }

  resend(queue: string, ids: readonly string[]): ResendResult {
    const result: ResendResult = { resent: [], notFound: [] };
    const now = this.now();
    for (const id of validateDeliveryIds(ids)) {
      const stored = this.pending.get(id);
      if (stored === undefined || stored.record.queue !== queue) {
        result.notFound.push(id);
        continue;
      }
      stored.record.nextAttemptAt = new Date(now);
      stored.record.attempts = 0;
      stored.retryFrom = now;
      stored.claimedUntil = 0;
      result.resent.push(id);
    }
    return result;
  }

  async claimCallbacks(n: number, leaseSeconds: number): Promise<ClaimedCallback[]> {
    const now = this.now();
    const claims: ClaimedCallback[] = [];
    for (const stored of this.pending.values()) {
      if (claims.length >= n) break;
      const { record } = stored;
      if (record.nextAttemptAt === null || record.nextAttemptAt.getTime() > now || stored.claimedUntil > now)
        continue;
      stored.claimedUntil = now + leaseSeconds * 1000;
      record.attempts += 1;
      claims.push({
        deliveryId: record.deliveryId,
        url: record.url,
        payload: record.payload,
        attempts: record.attempts,
        retryFrom: new Date(stored.retryFrom),
        secret: this.settings.get(record.queue)?.secret ?? null,
      });
    }
    return claims;
  }

  async settleCallback(claim: ClaimedCallback, outcome: CallbackOutcome): Promise<void> {
    const stored = this.pending.get(claim.deliveryId);
    if (stored === undefined || stored.record.attempts !== claim.attempts) return;
    if (outcome.delivered) {
      this.pending.delete(claim.deliveryId);
      return;
    }
    stored.record.lastError = outcome.error;
    stored.record.nextAttemptAt = outcome.retryAt;
    stored.claimedUntil = 0;
  }
}
