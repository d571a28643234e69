import { randomUUID } from "node:crypto";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll } from "vitest";
import { ApiClient } from "../src/index.js";
import { type RunningServer, startServer } from "./loopback.js";

// Named queues: one server, a fresh queue per case.
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ queues: new InMemoryQueueNamespace() });
});
afterAll(() => server.stop());

runQueueConformance(
  "ApiClient → HTTP → InMemoryQueue (named queue)",
  () => new ApiClient({ baseUrl: server.baseUrl }).queue(`q-${randomUUID()}`),
  { strictFifo: true, priority: true, delay: true },
);

// The default queue (/api/v1/queue/…): a fresh server per case, stopped when the suite closes the client.
runQueueConformance(
  "ApiClient → HTTP → InMemoryQueue (default queue, bearer token)",
  async () => {
    const token = randomUUID();
    const own = await startServer({ queues: new InMemoryQueueNamespace(), auth: { token } });
    const client = new ApiClient({ baseUrl: own.baseUrl, token });
    return Object.assign(client, { close: () => own.stop() });
  },
  { strictFifo: true, priority: true, delay: true },
);
