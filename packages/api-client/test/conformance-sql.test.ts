import { randomUUID } from "node:crypto";
import { createApp } from "@task-queue/api-server";
import { type Served, serveOnLoopback } from "@task-queue/api-server/testing";
import { EVERY_CAPABILITY, runQueueConformance } from "@task-queue/queue-core/testing";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll } from "vitest";
import { ApiClient } from "../src/index.js";

const table = randomTableName("tq_api");
let url: string;
let namespace: SqlQueueNamespace;
let server: Served;

beforeAll(async () => {
  url = await testDatabaseUrl();
  namespace = await SqlQueueNamespace.open({ connection: url, tableName: table });
  server = await serveOnLoopback(createApp({ queues: namespace }));
});

afterAll(async () => {
  await server?.close();
  await namespace?.close();
  if (url) await dropQueueTable(url, table);
});

runQueueConformance(
  "ApiClient → HTTP → SqlQueue (PostgreSQL)",
  () => new ApiClient({ baseUrl: server.baseUrl }).queue(`q-${randomUUID()}`),
  { ...EVERY_CAPABILITY, controllerStatus: false, rescueReports: false },
  { implementation: "SQLQueue", timeoutMs: 60_000 },
);
