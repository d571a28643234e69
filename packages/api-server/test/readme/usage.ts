import { serve } from "@hono/node-server";
import { createApp } from "@task-queue/api-server";
import { SqlQueueNamespace } from "@task-queue/queue-sql";

const queues = await SqlQueueNamespace.open({
  connection: "postgres://app@db/app",
  tableName: "task_queue_items",
});
const app = createApp({
  queues,
  defaultQueue: "default",
  auth: { token: process.env.TASK_QUEUE_TOKEN! }, // omit to turn auth off
  limits: { maxBodyBytes: 16 * 1024 * 1024, maxItems: 10_000 },
  logger: console, // any pino-compatible logger
});
// Serving, ports and signals belong to the app (apps/task-queue does this and more: draining, readiness).
const server = serve({ fetch: app.fetch, port: 8000 });
process.once("SIGTERM", () => server.close(() => void queues.close()));
