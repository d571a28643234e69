import { RETRY, withBackoff } from "@task-queue/queue-core";
import { Agent, fetch as undiciFetch } from "undici";
import { ArgoNetworkError } from "./errors.js";
import type { ResolvedArgoOptions } from "./options.js";

export interface Transport {
  /** The fetch handed to openapi-fetch: timeout per attempt, retries with backoff on network errors and 5xx. */
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.name}: ${error.message}${cause}`;
}

/**
 * undici's own fetch with its own Agent (custom CA or explicit insecure TLS), so the process-wide dispatcher is
 * left alone. The request body is read once so that every retry sends the same bytes.
 */
export function createTransport(options: ResolvedArgoOptions): Transport {
  const agent = new Agent({
    connect: {
      rejectUnauthorized: options.tls.rejectUnauthorized,
      ...(options.tls.ca ? { ca: options.tls.ca } : {}),
    },
  });
  const { attempts, initialDelayMs, maxDelayMs } = options.retry;
  const logger = options.logger;

  async function fetchWithRetry(request: Request): Promise<Response> {
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const headers = [...request.headers];
    const target = `${request.method} ${new URL(request.url).pathname}`;
    return withBackoff({ attempts, initialDelayMs, maxDelayMs }, async ({ attempt, last, delayMs }) => {
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        response = await undiciFetch(request.url, {
          method: request.method,
          headers,
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        if (last) {
          throw new ArgoNetworkError(target, `no response after ${attempt} attempt(s): ${describe(error)}`, {
            cause: error,
          });
        }
        logger.warn(
          { target, attempt, error: describe(error), retryInMs: delayMs },
          "Argo request failed; retrying",
        );
        return RETRY;
      }
      if (response.status < 500 || last) return response as unknown as Response;
      await response.body?.cancel();
      logger.warn(
        { target, attempt, status: response.status, retryInMs: delayMs },
        "Argo server error; retrying",
      );
      return RETRY;
    });
  }

  return { fetch: fetchWithRetry, close: () => agent.close() };
}
