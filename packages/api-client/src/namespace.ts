import type { QueueNamespace } from "@task-queue/queue-core";
import { ApiClient, type ApiClientOptions } from "./api-client.js";

/** The server's named queues as a QueueNamespace, for code written against queue-core. */
export class ApiQueueNamespace implements QueueNamespace {
  private readonly client: ApiClient;

  constructor(options: ApiClientOptions) {
    this.client = new ApiClient(options);
  }

  queue(name: string): ApiClient {
    return this.client.queue(name);
  }

  async listQueues(): Promise<string[]> {
    return (await this.client.listQueues()).map((q) => q.name);
  }

  async close(): Promise<void> {}
}
