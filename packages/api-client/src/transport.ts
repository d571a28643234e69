import { InvalidArgument, QueueUnavailable, RETRY, redactUrlsIn, withBackoff } from "@task-queue/queue-core";

export interface RetryPolicy {
  /**
   * Tries in all for an operation that changes nothing (sizes, lookups, describe, peek, history, list), counting
   * the first (default 3). Anything that moves items — `get` included, though it is a GET — is sent once: a retry
   * after a lost answer would take further items and strand the first ones in PROCESSING.
   */
  attempts?: number;
  /** Wait before the second try, doubled before each further one (default 100 ms). */
  delayMs?: number;
}

/** What ApiClient calls to send a request: the global fetch, nodeFetch, or another with fetch's (url, init) form. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /**
   * The server's URL. Credentials in it (`https://user:password@host`) are taken out and sent as
   * `Authorization: Basic …` (for a server behind a proxy with Basic auth); they never reach an error message.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; excludes credentials in baseUrl (one Authorization header). */
  token?: string;
  /** Time limit of one try, in ms (default 30 s); a get that asks the server to wait gets that much longer. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /**
   * Sends each request, called as `fetch(url, init)`; default: the global fetch. On Node.js, `nodeFetch()` (from
   * `@task-queue/api-client/node`) spends less time per call.
   */
  fetch?: FetchFunction;
}

// Statuses worth another try of a read: the server or a proxy in front of it is briefly unable to answer.
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** How long the server may hold the request on purpose (get's wait_seconds), in ms. */
function heldMs(request: OutgoingRequest): number {
  if (!request.url.includes("wait_seconds=")) return 0;
  const wait = Number(new URL(request.url).searchParams.get("wait_seconds") ?? 0);
  return Number.isFinite(wait) && wait > 0 ? wait * 1000 : 0;
}

/**
 * What openapi-fetch builds for each call, in place of a fetch Request (its `Request` option): the URL and the
 * RequestInit as given. fetch then builds its one Request from them; with a Request as input it would build a
 * second, copying the first (a measured share of a small call's client time). The body is a string (JSON), so a
 * retry sends it again without cloning anything.
 */
export class OutgoingRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: RequestInit["body"];
  /** The caller's signal (get's abort), if any. */
  readonly signal: AbortSignal | undefined;
  readonly redirect: RequestInit["redirect"];

  constructor(url: string | URL, init: RequestInit = {}) {
    this.url = String(url);
    this.method = (init.method ?? "GET").toUpperCase();
    this.headers = new Headers(init.headers);
    this.body = init.body ?? null;
    this.signal = init.signal ?? undefined;
    this.redirect = init.redirect;
  }
}

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

export type Fetch = (request: OutgoingRequest) => Promise<Response>;

export interface Transport {
  /** Sends once: for every operation that may change the queue. */
  once: Fetch;
  /** Retries on network errors and 502/503/504: only for operations that change nothing. */
  read: Fetch;
}

/**
 * The fetches openapi-fetch calls: each adds the Authorization header (bearer token or the URL's credentials) and a
 * time limit per try (longer by what a get asks the server to wait); `read` also retries on network errors and
 * 502/503/504. A request that never got an answer becomes QueueUnavailable; one the caller aborted (the request's
 * own signal) rejects with the abort reason and is never retried. Which operations are reads is the caller's to
 * say: the HTTP method does not tell (`GET get/{n}` moves items).
 */
export function createTransport(
  endpoint: Endpoint,
  options: Omit<TransportOptions, "baseUrl" | "token">,
): Transport {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const delayMs = options.retry?.delayMs ?? 100;
  const authorization = endpoint.authorization;
  const send =
    (tries: number): Fetch =>
    async (request) => {
      if (authorization !== null) request.headers.set("authorization", authorization);
      const limitMs = timeoutMs + heldMs(request);
      const callerSignal = request.signal;
      return withBackoff({ attempts: tries, initialDelayMs: delayMs }, async ({ last }) => {
        try {
          const timeout = AbortSignal.timeout(limitMs);
          const response = await fetchImpl(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body,
            ...(request.redirect !== undefined ? { redirect: request.redirect } : {}),
            signal: callerSignal === undefined ? timeout : AbortSignal.any([callerSignal, timeout]),
          });
          if (last || !RETRYABLE_STATUS.has(response.status)) return response;
          await response.body?.cancel();
          return RETRY;
        } catch (error) {
          // A request the caller aborted is over: never retried, never reported as an outage.
          if (callerSignal?.aborted) throw callerSignal.reason;
          // A try that ran out of time is not repeated: a hung server fails after the time limit, not a multiple of it.
          const timedOut = error instanceof DOMException && error.name === "TimeoutError";
          if (last || timedOut) throw unavailable(endpoint.label, error, limitMs);
          return RETRY;
        }
      });
    };
  return { once: send(1), read: send(attempts) };
}
