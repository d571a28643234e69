import { randomUUID } from "node:crypto";
import { createApp } from "@task-queue/api-server";
import { type Served, serveOnLoopback } from "@task-queue/api-server/testing";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { EVERY_CAPABILITY, runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll } from "vitest";
import { ApiClient } from "../src/index.js";

// Named queues: one server, a fresh queue per case.
let server: Served;
beforeAll(async () => {
  server = await serveOnLoopback(createApp({ queues: new InMemoryQueueNamespace() }));
});
afterAll(() => server.close());

runQueueConformance(
  "ApiClient → HTTP → InMemoryQueue (named queue)",
  () => new ApiClient({ baseUrl: server.baseUrl }).queue(`q-${randomUUID()}`),
  { ...EVERY_CAPABILITY, controllerStatus: false, rescueReports: false },
  { implementation: "InMemoryQueue" },
);

// The default queue (/api/v1/queue/…): a fresh server per case, stopped when the suite closes the client.
runQueueConformance(
  "ApiClient → HTTP → InMemoryQueue (default queue, bearer token)",
  async () => {
    const token = randomUUID();
    const own = await serveOnLoopback(createApp({ queues: new InMemoryQueueNamespace(), auth: { token } }));
    const client = new ApiClient({ baseUrl: own.baseUrl, token });
    return Object.assign(client, { close: () => own.close() });
  },
  { ...EVERY_CAPABILITY, controllerStatus: false, rescueReports: false },
  { implementation: "InMemoryQueue" },
);
