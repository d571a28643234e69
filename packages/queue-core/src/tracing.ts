import {
  type Context,
  context,
  isSpanContextValid,
  type Link,
  ProxyTracerProvider,
  propagation,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Queue, QueueNamespace } from "./queue.js";

/**
 * Tracing through @opentelemetry/api only: every span here is a no-op until the application registers an SDK
 * (a tracer provider and a context manager), so a process that does not trace pays nothing.
 */
export const TRACER_NAME = "task-queue";

// What the global provider delegates to while no SDK is registered (the API's own no-op provider).
const NO_SDK = new ProxyTracerProvider().getDelegate();

/**
 * Whether nothing is traced in this process: no tracer provider and no propagator registered. Then a span would
 * record nothing and carry no context (not even a caller's traceparent), so the hot paths skip making one. Checked
 * per call: an application may register its SDK after creating the app or queues.
 */
export function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  return (
    provider instanceof ProxyTracerProvider &&
    provider.getDelegate() === NO_SDK &&
    propagation.fields().length === 0
  );
}

const W3C_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C traceparent of the active span (stored with an item at put); null when nothing is traced. */
export function activeTraceContext(): string | null {
  const span = trace.getActiveSpan();
  if (span === undefined) return null;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!isSpanContextValid(span.spanContext())) return null;
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`;
}

/** A link to the span a traceparent names (the put of an item), for the span of the work done on it. */
export function linkTo(traceContext: string | null | undefined): Link[] {
  const match = W3C_TRACEPARENT.exec(traceContext ?? "");
  if (!match) return [];
  const context = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
  };
  return isSpanContextValid(context) ? [{ context }] : [];
}

/**
 * Runs `body` in a new active span named `name` (a child of `parent`, default the active context); the span ends
 * when it settles and records an error as its status.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  body: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, options, parent, async (span) => {
    try {
      return await body(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The Queue methods that get a span each (`queue.<method>`): every operation on items. */
const TRACED = new Set<string>([
  "put",
  "putJobs",
  "get",
  "getJobs",
  "peek",
  "extend",
  "success",
  "fail",
  "successMany",
  "failMany",
  "cancel",
  "delete",
  "requeue",
  "retryNow",
  "purge",
  "rescueExpired",
  "size",
  "sizes",
  "lookupStatus",
  "lookupItem",
  "lookupRecord",
  "lookupState",
  "isPaused",
  "setPaused",
  "history",
  "stats",
] satisfies ReadonlyArray<keyof Queue | "history" | "stats">);

/** The queue, with a span around each operation (attribute task_queue.queue); everything else is the queue's own. */
export function traceQueue<Q extends Queue>(queue: Q, name: string): Q {
  return new Proxy(queue, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (typeof property !== "string" || !TRACED.has(property)) return value.bind(target);
      // async: a method that throws at once still rejects, with or without a span.
      return async (...args: unknown[]) =>
        tracingOff()
          ? ((await value.apply(target, args)) as unknown)
          : inSpan(
              `queue.${property}`,
              { kind: SpanKind.INTERNAL, attributes: { "task_queue.queue": name } },
              async () => (await value.apply(target, args)) as unknown,
            );
    },
  });
}

/** The namespace, each of whose queues is traced (see traceQueue). */
export function traceNamespace<N extends QueueNamespace>(namespace: N): N {
  return new Proxy(namespace, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === "queue") return (name: string) => traceQueue(target.queue(name), name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
