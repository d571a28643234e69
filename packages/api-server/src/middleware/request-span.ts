import { context as otelContext, propagation, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { inSpan, tracingOff } from "@task-queue/queue-core";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../context.js";

/** The route pattern that answered, not the path: a label (and span name) of bounded cardinality. */
export function routeOf(c: Context<AppEnv>): string {
  return matchedRoutes(c).findLast((r) => r.method !== "ALL")?.path ?? "unmatched";
}

/**
 * A server span per request (a no-op until the application registers an OpenTelemetry SDK), continuing the caller's
 * trace when its headers carry one (W3C traceparent, through the registered propagator). Without any SDK, nothing.
 */
export function requestSpan(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Nothing registered to record a span or carry a trace: skip building one (and reading every header).
    if (tracingOff()) return next();
    const headers = Object.fromEntries(c.req.raw.headers);
    const parent = propagation.extract(otelContext.active(), headers);
    await inSpan(
      c.req.method,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": c.req.method, "url.path": c.req.path } },
      async (span) => {
        await next();
        const route = routeOf(c);
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ "http.route": route, "http.response.status_code": c.res.status });
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      },
      parent,
    );
  };
}
