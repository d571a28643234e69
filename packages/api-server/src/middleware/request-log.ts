import type { Logger } from "@task-queue/queue-core";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import type { AppMetrics } from "../options.js";
import { routeOf } from "./request-span.js";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives each request an id, then writes one log line and one metrics observation when it is answered. */
export function requestLog(
  logger: Logger,
  metrics: AppMetrics | null,
  defaultQueue: string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    // Set before the answer exists, so every response built through the context (handlers, onError, notFound)
    // carries it. Setting it afterwards with c.header() would rebuild the finished response around its body
    // stream: @hono/node-server then streams it (a timer tick and a write per chunk) instead of writing it whole.
    c.header("x-request-id", requestId);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routeOf(c);
    // A response made without the context (none of ours today) gets it the slow way.
    if (!c.res.headers.has("x-request-id")) c.header("x-request-id", requestId);
    metrics?.observeRequest(c.req.method, route, c.res.status, seconds);
    // A request about one item names it and its queue, as every log line about an item does.
    const itemId: string | undefined = c.req.param("item_id");
    const queue: string | undefined =
      c.req.param("queue_name") ?? (route.startsWith("/api/v1/queue/") ? defaultQueue : undefined);
    logger.info(
      {
        req_id: requestId,
        ...(queue === undefined ? {} : { queue }),
        ...(itemId === undefined ? {} : { item_id: itemId }),
        method: c.req.method,
        path: c.req.path,
        route,
        status: c.res.status,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
      },
      "request",
    );
  };
}
