import { InvalidArgument, QueueUnavailable, RETRY, redactUrlsIn, withBackoff } from "@task-queue/queue-core";

export interface RetryPolicy {
  /** Tries in all for a GET, counting the first (default 3). Other methods are never retried: they are not idempotent. */
  attempts?: number;
  /** Wait before the second try, doubled before each further one (default 100 ms). */
  delayMs?: number;
}

export interface TransportOptions {
  /**
   * The server's URL. Credentials in it (`https://user:password@host`) are taken out and sent as
   * `Authorization: Basic …` (for a server behind a proxy with Basic auth); they never reach an error message.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; excludes credentials in baseUrl (one Authorization header). */
  token?: string;
  /** Time limit of one try, in ms (default 30 s). */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** For tests and custom agents; default: the global fetch. */
  fetch?: typeof fetch;
}

// Statuses worth another try of a read: the server or a proxy in front of it is briefly unable to answer.
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** Where requests go: the base URL without credentials, what to call it in messages, the Authorization header. */
export interface Endpoint {
  /** Without credentials and without a trailing slash: what requests are built on. */
  baseUrl: string;
  /** The URL for messages: a password replaced by ***. */
  label: string;
  authorization: string | null;
}

/** Splits credentials out of the base URL; a token and URL credentials together are refused (one header). */
export function resolveEndpoint(options: Pick<TransportOptions, "baseUrl" | "token">): Endpoint {
  const bearer = options.token === undefined ? null : `Bearer ${options.token}`;
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    // Left to fetch to reject, as before; nothing in it is recognisable as a password.
    const baseUrl = options.baseUrl.replace(/\/+$/, "");
    return { baseUrl, label: baseUrl, authorization: bearer };
  }
  if (url.username === "" && url.password === "") {
    const baseUrl = options.baseUrl.replace(/\/+$/, "");
    return { baseUrl, label: baseUrl, authorization: bearer };
  }
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  const baseUrl = url.toString().replace(/\/+$/, "");
  const label = redactUrlsIn(options.baseUrl).replace(/\/+$/, "");
  if (bearer !== null) {
    throw new InvalidArgument(
      "baseUrl",
      `${label}: give either a token or credentials in the URL, not both (one Authorization header)`,
    );
  }
  return { baseUrl, label, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

function unavailable(label: string, error: unknown, timeoutMs: number): QueueUnavailable {
  const timedOut = error instanceof DOMException && error.name === "TimeoutError";
  const reason = timedOut
    ? `no answer within ${timeoutMs} ms`
    : error instanceof Error
      ? error.message
      : String(error);
  return new QueueUnavailable(`cannot reach the task-queue API at ${label}: ${redactUrlsIn(reason)}`, {
    cause: error,
  });
}

/**
 * The fetch openapi-fetch calls: adds the Authorization header (bearer token or the URL's credentials), a time
 * limit per try, and retries GETs on network errors and 502/503/504. A request that never got an answer becomes
 * QueueUnavailable.
 */
export function createTransport(
  endpoint: Endpoint,
  options: Omit<TransportOptions, "baseUrl" | "token">,
): (request: Request) => Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const delayMs = options.retry?.delayMs ?? 100;
  const authorization = endpoint.authorization;
  return async (request) => {
    if (authorization !== null) request.headers.set("authorization", authorization);
    const tries = request.method === "GET" ? attempts : 1;
    return withBackoff({ attempts: tries, initialDelayMs: delayMs }, async ({ last }) => {
      try {
        const response = await fetchImpl(last ? request : request.clone(), {
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (last || !RETRYABLE_STATUS.has(response.status)) return response;
        await response.body?.cancel();
        return RETRY;
      } catch (error) {
        if (last) throw unavailable(endpoint.label, error, timeoutMs);
        return RETRY;
      }
    });
  };
}
