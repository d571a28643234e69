import { ApiClient } from "@task-queue/api-client";
import type { QueueWithHistory } from "@task-queue/queue-core";

export interface ClientOptions {
  url: string;
  token: string | undefined;
  /** A named queue; the server's default queue when undefined. */
  queueName: string | undefined;
}

/** A Queue over HTTP on a running server. */
export function openClientQueue(options: ClientOptions): QueueWithHistory {
  const client = new ApiClient({ baseUrl: options.url, ...(options.token ? { token: options.token } : {}) });
  return options.queueName === undefined ? client : client.queue(options.queueName);
}
