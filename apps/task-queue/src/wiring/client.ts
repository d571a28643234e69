import { ApiClient } from "@task-queue/api-client";
import { InvalidArgument, type QueueWithHistory } from "@task-queue/queue-core";
import { CliError, EXIT_USAGE } from "../cli.js";

export interface ClientOptions {
  url: string;
  token: string | undefined;
  /** A named queue; the server's default queue when undefined. */
  queueName: string | undefined;
}

/**
 * A Queue over HTTP on a running server. Credentials in the URL go as Basic auth (ApiClient); with a token too they
 * are a configuration error (exit 2).
 */
export function openClientQueue(options: ClientOptions): QueueWithHistory {
  let client: ApiClient;
  try {
    client = new ApiClient({ baseUrl: options.url, ...(options.token ? { token: options.token } : {}) });
  } catch (error) {
    if (error instanceof InvalidArgument) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
  return options.queueName === undefined ? client : client.queue(options.queueName);
}
