import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { Queue, QueueNamespace } from "@task-queue/queue-core";
import type { Context } from "hono";
import type { App, AppContext, AppEnv } from "../context.js";
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

/** The schema of a route without path parameters or query: it documents nothing and accepts anything. */
const NO_FIELDS = z.object({});
type NoFields = typeof NO_FIELDS;
/** What a handler reads for params or query its route does not have (the output of NO_FIELDS, frozen). */
const EMPTY = Object.freeze({}) as z.output<NoFields>;

export interface QueueRouteInput<P, Q> {
  c: AppContext;
  queue: Queue;
  params: P;
  query: Q;
}

/**
 * One operation on a queue; registered twice, for the default queue and for named queues.
 *
 * The handler answers the type of `response.schema` (`z.output` of it: what a client parsing the JSON gets), so the
 * compiler checks every route's code against the OpenAPI document it produces. It reads `params` and `query`
 * already validated by their schemas (a request they reject is answered 422 before the handler runs).
 */
export interface QueueRouteSpec<
  R extends z.ZodType,
  P extends z.ZodObject = NoFields,
  Q extends z.ZodObject = NoFields,
> {
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
  response: { schema: R; description: string };
  errors?: HttpStatus[];
  handle(input: QueueRouteInput<z.output<P>, z.output<Q>>): Promise<z.output<R>>;
}

/** Where a queue route is served: the default queue's legacy paths, or a named queue's. */
export interface QueueVariant {
  prefix: string;
  operationSuffix: string;
  tag: string;
  queueOf(c: AppContext): Queue;
}

/** A queue route ready to register; its schemas' types stay with it (checked in queueRoute), not in a table. */
export interface QueueRoute {
  readonly operationId: string;
  register(app: App, variant: QueueVariant): void;
}

/** Declares a queue operation: the spec's handler is type-checked against its response schema here. */
export function queueRoute<
  R extends z.ZodType,
  P extends z.ZodObject = NoFields,
  Q extends z.ZodObject = NoFields,
>(spec: QueueRouteSpec<R, P, Q>): QueueRoute {
  return {
    operationId: spec.operationId,
    register: (app, variant) => registerQueueRoute(app, spec, variant),
  };
}

export function queueVariants(queues: QueueNamespace, defaultQueue: string): QueueVariant[] {
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

/** What the route's validators hand the handler (hono's `c.req.valid`), as typed by the route's own schemas. */
type Validated<P extends z.ZodObject, Q extends z.ZodObject> = {
  out: { param: z.output<P>; query: z.output<Q> };
};

function registerQueueRoute<R extends z.ZodType, P extends z.ZodObject, Q extends z.ZodObject>(
  app: App,
  spec: QueueRouteSpec<R, P, Q>,
  variant: QueueVariant,
): void {
  const ownParams = spec.params ?? NO_FIELDS;
  const named = variant.operationSuffix !== "";
  const validated = named || spec.params !== undefined;
  const route: RouteConfig = createRoute({
    operationId: `${spec.operationId}${variant.operationSuffix}`,
    method: spec.method,
    path: `${variant.prefix}/${spec.path}`,
    tags: [variant.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    request: {
      // A route without path parameters or query gets no validator for them (an empty schema documents nothing
      // and accepts anything, yet zod would still run on every request); the handler then reads {}.
      ...(validated ? { params: named ? QueueNameParams.extend(ownParams.shape) : ownParams } : {}),
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
  app.openapi<RouteConfig, Validated<P, Q>>(route, async (c: Context<AppEnv, string, Validated<P, Q>>) => {
    const payload = await spec.handle({
      c,
      queue: variant.queueOf(c),
      // Without a schema, P or Q is NoFields (their default), whose output EMPTY is.
      params: validated ? c.req.valid("param") : (EMPTY as z.output<P>),
      query: spec.query ? c.req.valid("query") : (EMPTY as z.output<Q>),
    });
    return c.json(payload, 200);
  });
}
