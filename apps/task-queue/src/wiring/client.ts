import { ApiClient, ApiError } from "@task-queue/api-client";
import { InvalidArgument, isQueueError, type QueueWithHistory, redactUrlsIn } from "@task-queue/queue-core";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "../cli.js";

export interface ClientOptions {
  url: string;
  token: string | undefined;
  /** A named queue; the server's default queue when undefined. */
  queueName: string | undefined;
  /** How long a request may wait for its answer. */
  timeoutSeconds: number;
}

/**
 * A Queue over HTTP on a running server. Credentials in the URL go as Basic auth (ApiClient); with a token too they
 * are a configuration error (exit 2).
 */
export function openClientQueue(options: ClientOptions): QueueWithHistory {
  let client: ApiClient;
  try {
    client = new ApiClient({
      baseUrl: options.url,
      timeoutMs: Math.max(1, Math.round(options.timeoutSeconds * 1000)),
      ...(options.token ? { token: options.token } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidArgument) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
  return options.queueName === undefined ? client : client.queue(options.queueName);
}

/**
 * What a client command's error means for the person who ran it: a request the server rejected as bad input (422)
 * is a usage error (exit 2) like a bad flag; a server that cannot be reached gets a hint about where the URL comes
 * from. Other errors pass through unchanged.
 */
export function clientCommandError(error: unknown, url: string): unknown {
  if (
    isQueueError(error, "INVALID_ITEM") ||
    isQueueError(error, "INVALID_ARGUMENT") ||
    (error instanceof ApiError && error.status === 422)
  ) {
    return new CliError((error as Error).message, EXIT_USAGE);
  }
  if (
    isQueueError(error, "QUEUE_UNAVAILABLE") &&
    error.message.startsWith("cannot reach the task-queue API")
  ) {
    return new CliError(
      `${error.message}. Is the server running at ${redactUrlsIn(url)}? Give its URL with --url or TASK_QUEUE_URL` +
        " (and a slow one more time with --timeout).",
      EXIT_FAILURE,
    );
  }
  return error;
}
