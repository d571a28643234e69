import { QueueUnavailable } from "@task-queue/queue-core";

export interface RetryPolicy {
  /** Tries in all for a GET, counting the first (default 3). Other methods are never retried: they are not idempotent. */
  attempts?: number;
  /** Wait before the second try, doubled before each further one (default 100 ms). */
  delayMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  token?: string;
  /** Time limit of one try, in ms (default 30 s). */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** For tests and custom agents; default: the global fetch. */
  fetch?: typeof fetch;
}

// Statuses worth another try of a read: the server or a proxy in front of it is briefly unable to answer.
const RETRYABLE_STATUS = new Set([502, 503, 504]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function unavailable(baseUrl: string, error: unknown, timeoutMs: number): QueueUnavailable {
  const timedOut = error instanceof DOMException && error.name === "TimeoutError";
  const reason = timedOut
    ? `no answer within ${timeoutMs} ms`
    : error instanceof Error
      ? error.message
      : String(error);
  return new QueueUnavailable(`cannot reach the task-queue API at ${baseUrl}: ${reason}`, { cause: error });
}

/**
 * The fetch openapi-fetch calls: adds the bearer token, a time limit per try, and retries GETs on network errors
 * and 502/503/504. A request that never got an answer becomes QueueUnavailable.
 */
export function createTransport(options: TransportOptions): (request: Request) => Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const delayMs = options.retry?.delayMs ?? 100;
  const authorization = options.token === undefined ? null : `Bearer ${options.token}`;
  return async (request) => {
    if (authorization !== null) request.headers.set("authorization", authorization);
    const tries = request.method === "GET" ? attempts : 1;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= tries;
      try {
        const response = await fetchImpl(last ? request : request.clone(), {
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (last || !RETRYABLE_STATUS.has(response.status)) return response;
        await response.body?.cancel();
      } catch (error) {
        if (last) throw unavailable(options.baseUrl, error, timeoutMs);
      }
      await sleep(delayMs * 2 ** (attempt - 1));
    }
  };
}
