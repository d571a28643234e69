import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { FetchFunction } from "./transport.js";

export interface NodeFetchOptions {
  /** Connections kept open to one server at most (default: no limit, as fetch). */
  maxSockets?: number;
}

/** A fetch for ApiClient's `fetch` option; `close()` ends its idle connections. */
export type NodeFetch = FetchFunction & { close(): void };

/** A request as node:http sends it; a redirect changes its URL (and may change its method and body). */
interface Outgoing {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  signal: AbortSignal | undefined;
}

// Statuses whose Response may not have a body (the Response constructor refuses one).
const NULL_BODY = new Set([101, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/**
 * fetch for ApiClient on Node.js, over node:http(s) with kept-alive connections: the calls a queue client makes
 * are small JSON requests, and Node's global fetch (undici) spends more client time on each than the server does
 * (WHATWG streams and Request objects; measured in `pnpm --filter @task-queue/api-client bench`). It does what
 * ApiClient needs and no more: string or byte bodies, the answer read whole, redirects followed as fetch follows
 * them, the signal honoured (rejecting with its reason, as fetch does, so timeouts stay TimeoutErrors). A request
 * that fails on a kept-alive connection the server closed meanwhile (ECONNRESET before any answer) is sent once more
 * on a new one, as Node's documentation advises: the server never read it.
 */
export function nodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? Number.POSITIVE_INFINITY };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };

  /** One request on one connection; rejects with `unanswered` set when a reused connection failed before any answer. */
  const once = ({ url, method, headers, body, signal }: Outgoing) =>
    new Promise<{ response: IncomingMessage; chunks: Buffer[] }>((resolve, reject) => {
      const secure = url.protocol === "https:";
      if (!secure && url.protocol !== "http:") {
        reject(new TypeError(`nodeFetch: unsupported protocol ${url.protocol}`));
        return;
      }
      const send = secure ? httpsRequest : httpRequest;
      const request = send(url, { method, headers, agent: secure ? agents.https : agents.http });
      const onAbort = () => {
        request.destroy();
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => signal?.removeEventListener("abort", onAbort);
      let answered = false;
      request.on("error", (error: NodeJS.ErrnoException) => {
        done();
        if (signal?.aborted) return;
        // Only a request that got no answer at all may be sent again: one cut off mid-answer was read and acted on.
        Object.assign(error, { unanswered: request.reusedSocket && !answered });
        reject(error);
      });
      request.on("response", (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          done();
          resolve({ response, chunks });
        });
        response.on("error", (error) => {
          done();
          if (!signal?.aborted) reject(error);
        });
      });
      request.end(body ?? undefined);
    });

  /** once, and once more on a new connection when the kept-alive one had been closed under the request. */
  const sendOnce = (outgoing: Outgoing) =>
    once(outgoing).catch((error: NodeJS.ErrnoException & { unanswered?: boolean }) => {
      const closedUnder = error.unanswered && (error.code === "ECONNRESET" || error.code === "EPIPE");
      if (closedUnder && !outgoing.signal?.aborted) return once(outgoing);
      throw error;
    });

  const fetchFn = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const body = bodyBytes(init.body);
    const headers = headerRecord(init.headers);
    if (body !== null) headers["content-length"] = String(body.byteLength);
    const outgoing: Outgoing = {
      url: new URL(input),
      method: (init.method ?? "GET").toUpperCase(),
      headers,
      body,
      signal,
    };
    for (let redirects = 0; ; redirects++) {
      const { response, chunks } = await sendOnce(outgoing);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT.has(status) && location !== undefined && init.redirect !== "manual") {
        if (init.redirect === "error") throw new TypeError(`nodeFetch: redirected to ${location}`);
        if (redirects >= MAX_REDIRECTS) throw new TypeError("nodeFetch: too many redirects");
        outgoing.url = new URL(location, outgoing.url);
        // As fetch: 303, and 301/302 after a POST, continue as a GET without the body.
        if (status === 303 || ((status === 301 || status === 302) && outgoing.method === "POST")) {
          outgoing.method = "GET";
          outgoing.body = null;
          delete headers["content-length"];
          delete headers["content-type"];
        }
        continue;
      }
      const responseHeaders = new Headers();
      const raw = response.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
      return new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
        status,
        statusText: response.statusMessage ?? "",
        headers: responseHeaders,
      });
    }
  };
  return Object.assign(fetchFn, {
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}

function bodyBytes(body: RequestInit["body"]): Buffer | null {
  if (body === null || body === undefined) return null;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError("nodeFetch sends string or byte bodies only");
}

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers === undefined) return record;
  const entries = headers instanceof Headers ? headers.entries() : new Headers(headers).entries();
  for (const [name, value] of entries) record[name] = value;
  return record;
}
