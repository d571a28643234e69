/** The global timer, not node:timers: queue-core runs on any runtime (api-server is bundled for Workers, Deno, Bun). */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How often to try and how long to wait between tries: exponential backoff. */
export interface WithBackoffOptions {
  /** Tries in all, counting the first (at least one is made). */
  attempts: number;
  /** Wait before the second try, doubled before each further one. */
  initialDelayMs: number;
  /** Longest wait between two tries (default: no limit). */
  maxDelayMs?: number;
}

/** What a try returns to ask for another one (after the wait), unless it was the last. */
export const RETRY: unique symbol = Symbol("retry");

export interface Try {
  /** 1 for the first try. */
  attempt: number;
  /** No further try follows this one, whatever it returns: the try must return a result or throw. */
  last: boolean;
  /** The wait before the next try, should this one return RETRY (for log lines). */
  delayMs: number;
}

/**
 * Runs `tryOnce` until it returns something other than RETRY, at most `policy.attempts` times, waiting with
 * exponential backoff in between. What a try throws ends the retries: the caller decides what is worth retrying.
 */
export async function withBackoff<T>(
  policy: WithBackoffOptions,
  tryOnce: (current: Try) => Promise<T | typeof RETRY>,
): Promise<T> {
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    const delayMs = Math.min(
      policy.maxDelayMs ?? Number.POSITIVE_INFINITY,
      policy.initialDelayMs * 2 ** (attempt - 1),
    );
    const last = attempt >= attempts;
    const outcome = await tryOnce({ attempt, last, delayMs });
    if (outcome !== RETRY) return outcome;
    if (last) throw new Error(`the last of ${attempts} tries asked for another one`);
    await sleep(delayMs);
  }
}
