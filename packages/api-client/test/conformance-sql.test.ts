import { randomUUID } from "node:crypto";
import { runQueueConformance } from "@task-queue/queue-core/testing";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { afterAll, beforeAll } from "vitest";
import { ApiClient } from "../src/index.js";
import { databaseUrl, dropQueueTable, randomTableName } from "./database.js";
import { type RunningServer, startServer } from "./loopback.js";

const table = randomTableName();
let url: string;
let namespace: SqlQueueNamespace;
let server: RunningServer;

beforeAll(async () => {
  url = await databaseUrl();
  namespace = await SqlQueueNamespace.open({ connection: url, tableName: table });
  server = await startServer({ queues: namespace });
});

afterAll(async () => {
  await server?.stop();
  await namespace?.close();
  if (url) await dropQueueTable(url, table);
});

runQueueConformance(
  "ApiClient → HTTP → SqlQueue (PostgreSQL)",
  () => new ApiClient({ baseUrl: server.baseUrl }).queue(`q-${randomUUID()}`),
  { strictFifo: true, priority: true, delay: true },
  { timeoutMs: 60_000 },
);
