import { createRoute, z } from "@hono/zod-openapi";
import { canPause, readControllerStatusJson, servedQueueNames } from "@task-queue/queue-core";
import type { App } from "../context.js";
import type { ResolvedOptions } from "../options.js";
import { ErrorBody, QueueSummary } from "../schemas.js";

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Settles as `check` does, or rejects after `ms` (the check goes on in the background; its outcome is dropped). */
async function withinTime(check: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the readiness check had no answer within ${ms} ms`)), ms);
  });
  check.catch(() => {});
  try {
    await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Health, readiness, metrics and the list of queues. */
export function registerServiceRoutes(app: App, options: ResolvedOptions): void {
  const healthz = createRoute({
    operationId: "healthz",
    method: "get",
    path: "/healthz",
    tags: ["service"],
    summary: "The process is up (never needs a token)",
    responses: { 200: json(z.object({ status: z.literal("ok") }), "Up") },
  });
  app.openapi(healthz, (c) => {
    return c.json({ status: "ok" as const }, 200);
  });

  const readyz = createRoute({
    operationId: "readyz",
    method: "get",
    path: "/readyz",
    tags: ["service"],
    summary: "The queue storage is reachable",
    responses: {
      200: json(z.object({ status: z.literal("ready") }), "Ready"),
      503: json(z.object({ status: z.literal("unavailable") }), "Storage unreachable"),
    },
  });
  app.openapi(readyz, async (c) => {
    // Shutting down: out of rotation at once, while requests are still served (no storage check, nothing logged).
    if (options.shuttingDown()) return c.json({ status: "unavailable" as const }, 503);
    try {
      await withinTime(options.ready(), options.readyTimeoutMs);
      return c.json({ status: "ready" as const }, 200);
    } catch (error) {
      options.logger.warn({ req_id: c.get("requestId"), err: error }, "readiness check failed");
      return c.json({ status: "unavailable" as const }, 503);
    }
  });

  const metricsRoute = createRoute({
    operationId: "metrics",
    method: "get",
    path: "/metrics",
    tags: ["service"],
    summary:
      "Prometheus metrics: process, items per stage, queue counters, job durations, request counts and latencies",
    responses: {
      200: { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: z.string() } } },
    },
  });
  app.openapi(metricsRoute, async (c) => {
    const metrics = options.metrics;
    if (metrics === null)
      return c.text("", 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    return c.text(await metrics.render(), 200, { "content-type": metrics.contentType });
  });

  const listQueues = createRoute({
    operationId: "listQueues",
    method: "get",
    path: "/api/v1/queues",
    tags: ["named queues"],
    summary:
      "Every queue that holds items (and the default queue), with its sizes, pause flag and controller status",
    responses: {
      200: json(z.array(QueueSummary), "The queues, by name"),
      401: json(ErrorBody, "Missing or wrong bearer token"),
      503: json(ErrorBody, "Queue storage unreachable"),
    },
  });
  app.openapi(listQueues, async (c) => {
    const names = await servedQueueNames(options.queues, options.defaultQueue);
    const summaries = await Promise.all(
      names.map(async (name) => {
        const queue = options.queues.queue(name);
        const [sizes, paused, controller] = await Promise.all([
          queue.sizes(),
          canPause(queue) ? queue.isPaused() : Promise.resolve(null),
          readControllerStatusJson(queue),
        ]);
        return { name, sizes, paused, controller };
      }),
    );
    return c.json(summaries, 200);
  });
}
