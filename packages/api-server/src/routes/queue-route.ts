import { createRoute, type RouteConfig, type z } from "@hono/zod-openapi";
import type { Queue, QueueNamespace } from "@task-queue/queue-core";
import type { App, AppContext } from "../context.js";
import type { HttpStatus } from "../http-errors.js";
import { ErrorBody, QueueNameParams } from "../schemas.js";

const ERROR_DESCRIPTIONS: Record<HttpStatus, string> = {
  400: "Unknown item id or stage (the contract's 400)",
  401: "Missing or wrong bearer token",
  404: "Not found",
  405: "The path exists, but not with this method (the Allow header lists those it takes)",
  409: "The item is not in the stage this move starts from, or (LEASE_LOST) the named attempt no longer holds it",
  413: "Request body larger than the limit",
  415: "A JSON body without content-type: application/json",
  422: "Validation error: detail names each field and its problem",
  500: "Unexpected error; the body holds a request id to find in the log",
  503: "Queue storage unreachable",
};

const COMMON_ERRORS: HttpStatus[] = [401, 422, 500, 503];

export interface QueueRouteInput<P, Q> {
  c: AppContext;
  queue: Queue;
  params: P;
  query: Q;
}

/** One operation on a queue; registered twice, for the default queue and for named queues. */
export interface QueueRouteSpec<P extends z.ZodObject = z.ZodObject, Q extends z.ZodObject = z.ZodObject> {
  operationId: string;
  method: "get" | "post";
  /** Path below the queue, e.g. "size/{stage}". */
  path: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  /** A schema component documenting the JSON body; the handler reads and validates the body itself. */
  body?: { component: string; description: string; optional?: boolean };
  response: { schema: z.ZodType; description: string };
  errors?: HttpStatus[];
  handle(input: QueueRouteInput<z.infer<P>, z.infer<Q>>): Promise<unknown>;
}

export function queueRoute<P extends z.ZodObject = z.ZodObject, Q extends z.ZodObject = z.ZodObject>(
  spec: QueueRouteSpec<P, Q>,
): QueueRouteSpec {
  return spec as unknown as QueueRouteSpec;
}

interface Variant {
  prefix: string;
  operationSuffix: string;
  tag: string;
  queueOf(c: AppContext): Queue;
}

export function queueVariants(queues: QueueNamespace, defaultQueue: string): Variant[] {
  return [
    {
      prefix: "/api/v1/queue",
      operationSuffix: "",
      tag: "default queue",
      queueOf: () => queues.queue(defaultQueue),
    },
    {
      prefix: "/api/v1/queues/{queue_name}",
      operationSuffix: "InQueue",
      tag: "named queues",
      queueOf: (c) => queues.queue(c.req.param("queue_name") ?? defaultQueue),
    },
  ];
}

function errorResponses(statuses: HttpStatus[]): RouteConfig["responses"] {
  const out: RouteConfig["responses"] = {};
  for (const status of [...new Set([...statuses, ...COMMON_ERRORS])].sort()) {
    out[status] = {
      description: ERROR_DESCRIPTIONS[status],
      content: { "application/json": { schema: ErrorBody } },
    };
  }
  return out;
}

export function registerQueueRoute(app: App, spec: QueueRouteSpec, variant: Variant): void {
  const named = variant.operationSuffix !== "";
  const params = named ? QueueNameParams.extend(spec.params?.shape ?? {}) : spec.params;
  const route = createRoute({
    operationId: `${spec.operationId}${variant.operationSuffix}`,
    method: spec.method,
    path: `${variant.prefix}/${spec.path}`,
    tags: [variant.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    request: {
      ...(params ? { params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body
        ? {
            body: {
              description: spec.body.description,
              required: spec.body.optional !== true,
              content: {
                "application/json": { schema: { $ref: `#/components/schemas/${spec.body.component}` } },
              },
            },
          }
        : {}),
    },
    responses: {
      200: {
        description: spec.response.description,
        content: { "application/json": { schema: spec.response.schema } },
      },
      ...errorResponses(spec.errors ?? []),
    },
  });
  const handler = async (c: AppContext) => {
    // Validated by the route's zod schemas before we get here; a rejected request never reaches the queue.
    const valid = c.req as unknown as { valid(target: "param" | "query"): Record<string, unknown> };
    const payload = await spec.handle({
      c,
      queue: variant.queueOf(c),
      params: params ? valid.valid("param") : {},
      query: spec.query ? valid.valid("query") : {},
    });
    return c.json(payload as never, 200);
  };
  app.openapi(route, handler as never);
}
