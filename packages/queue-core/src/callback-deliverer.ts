import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signCallback } from "./callback-signature.js";
import {
  type CallbackOutbox,
  type CallbackOutcome,
  type ClaimedCallback,
  callbackBody,
  notifyUrlProblem,
} from "./callbacks.js";
import { type BackoffPolicy, backoffSeconds } from "./lifecycle.js";
import { type Logger, silentLogger } from "./logger.js";
import { redactUrlsIn } from "./redact.js";

export interface CallbackDelivererOptions {
  outbox: CallbackOutbox;
  /** Hosts callbacks may go to (`*.example.com` for subdomains); empty: any. */
  allowedHosts?: readonly string[];
  /** Per-request limit (seconds); a receiver slower than this counts as a failed try. Default 10. */
  timeoutSeconds?: number;
  /** After this many seconds of failed tries (from the move or the last re-send) a callback is kept as failed. Default 1 day. */
  horizonSeconds?: number;
  /** Delays between tries: exponential with full jitter. Default 1 s doubling up to 10 min. */
  backoff?: BackoffPolicy;
  /** Callbacks claimed per round (sent concurrently). Default 20. */
  batchSize?: number;
  /** Sleep between rounds that found nothing due (ms). Default 1000. */
  pollMs?: number;
  logger?: Logger;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 1, maxSeconds: 600 };
/** A claim outlives the request by this much, so a try is never taken over while it can still succeed. */
const CLAIM_SLACK_SECONDS = 5;

/**
 * Delivers recorded callbacks: claims due ones from the outbox, POSTs each (signed when the queue has a secret;
 * http/https only, allow-listed hosts, no redirects, a timeout) and records the outcome. A 2xx answer delivers;
 * anything else is retried with exponential backoff until the horizon, then kept as failed with its last error.
 * It runs beside the queue, never inside a queue operation, so a slow receiver delays no move.
 */
export class CallbackDeliverer {
  private readonly options: Required<Omit<CallbackDelivererOptions, "logger" | "now">>;
  private readonly logger: Logger;
  private readonly now: () => number;
  private running: Promise<void> | null = null;
  private stopping: AbortController | null = null;

  constructor(options: CallbackDelivererOptions) {
    this.options = {
      outbox: options.outbox,
      allowedHosts: options.allowedHosts ?? [],
      timeoutSeconds: options.timeoutSeconds ?? 10,
      horizonSeconds: options.horizonSeconds ?? 24 * 3600,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      batchSize: options.batchSize ?? 20,
      pollMs: options.pollMs ?? 1000,
    };
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  /** Claims and delivers one batch of due callbacks; returns how many it tried. */
  async deliverDue(): Promise<number> {
    const claims = await this.options.outbox.claimCallbacks(
      this.options.batchSize,
      this.options.timeoutSeconds + CLAIM_SLACK_SECONDS,
    );
    await Promise.all(
      claims.map(async (claim) => {
        const outcome = await this.tryOnce(claim);
        await this.options.outbox.settleCallback(claim, outcome);
      }),
    );
    return claims.length;
  }

  /** Runs rounds until stop(); a failing round (e.g. the database is away) is logged and retried after pollMs. */
  start(): void {
    if (this.running !== null) return;
    const stopping = new AbortController();
    this.stopping = stopping;
    this.running = (async () => {
      while (!stopping.signal.aborted) {
        let tried = 0;
        try {
          tried = await this.deliverDue();
        } catch (error) {
          this.logger.warn({ err: error }, "callback delivery round failed");
        }
        if (tried === 0) await sleep(this.options.pollMs, stopping.signal);
      }
    })();
  }

  /** Stops after the round in flight; undelivered callbacks stay in the outbox for the next start. */
  async stop(): Promise<void> {
    this.stopping?.abort();
    await this.running;
    this.running = null;
  }

  private async tryOnce(claim: ClaimedCallback): Promise<CallbackOutcome> {
    const problem = notifyUrlProblem(claim.url, this.options.allowedHosts);
    const error = problem === null ? await this.post(claim) : `notify URL refused: ${problem}`;
    if (error === null) {
      this.logger.debug({ ...about(claim), delivery: claim.deliveryId }, "callback delivered");
      return { delivered: true };
    }
    // A URL that is refused now will be refused on every try: no point retrying it.
    const retryAt = problem === null ? this.nextTry(claim) : null;
    this.logger.warn(
      {
        ...about(claim),
        delivery: claim.deliveryId,
        attempts: claim.attempts,
        error,
        gaveUp: retryAt === null,
      },
      "callback not delivered",
    );
    return { delivered: false, error, retryAt };
  }

  /** The next try's time, or null when it would fall past the horizon. */
  private nextTry(claim: ClaimedCallback): Date | null {
    const now = this.now();
    const deadline = claim.retryFrom.getTime() + this.options.horizonSeconds * 1000;
    const at = now + backoffSeconds(this.options.backoff, claim.attempts) * 1000;
    return at > deadline ? null : new Date(at);
  }

  /** POSTs the callback; null when the receiver answered 2xx, else why not. */
  private async post(claim: ClaimedCallback): Promise<string | null> {
    const body = callbackBody(claim.payload);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "task-queue-callbacks",
      [DELIVERY_ID_HEADER]: claim.deliveryId,
    };
    if (claim.secret !== null)
      headers[SIGNATURE_HEADER] = await signCallback(claim.secret, body, Math.floor(this.now() / 1000));
    try {
      const response = await fetch(claim.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutSeconds * 1000),
      });
      // The answer's body is not needed; reading it would let a receiver hold the try open.
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return null;
      if ((response.status >= 300 && response.status < 400) || response.type === "opaqueredirect")
        return `HTTP ${response.status}: redirects are not followed`;
      return `HTTP ${response.status}`;
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
        return `no answer within ${this.options.timeoutSeconds} s`;
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
      return redactUrlsIn(`${error instanceof Error ? error.message : String(error)}${cause}`);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** What every log line about a callback carries: the item it tells of (queue and item_id, as all item logs do). */
function about(claim: ClaimedCallback): { queue: string; item_id: string } {
  return { queue: claim.payload.queue, item_id: claim.payload.item_id };
}
