import { OpenAPIHono } from "@hono/zod-openapi";
import { silentLogger } from "@task-queue/queue-core";
import type { Context } from "hono";
import { allowedMethods } from "./allowed-methods.js";
import type { App, AppEnv } from "./context.js";
import { PUBLIC_ASSETS } from "./generated/public-assets.js";
import {
  ERROR_CODE_HEADER,
  methodNotAllowed,
  RequestValidationError,
  routeNotFound,
  toHttpError,
} from "./http-errors.js";
import { bearerAuth } from "./middleware/bearer-auth.js";
import { bodySize } from "./middleware/body-size.js";
import { requestLog } from "./middleware/request-log.js";
import { requestSpan } from "./middleware/request-span.js";
import { type AppOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { zodProblems } from "./request-body.js";
import { CallbackSettingsBody, ResendBody } from "./routes/callback-operations.js";
import { queueOperations } from "./routes/queue-operations.js";
import { queueVariants } from "./routes/queue-route.js";
import { registerServiceRoutes } from "./routes/service.js";
import {
  CancelBody,
  CompletionList,
  ExtendBody,
  FailBody,
  FailureList,
  IdList,
  PurgeBody,
  PutBody,
  PutJobsBody,
  RequeueBody,
  SuccessBody,
} from "./schemas.js";

export const API_TITLE = "task-queue API";
export const API_VERSION = "1.0.0";

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/**
 * The console's and the API reference's files hold no data: they load without a token and then ask for one to
 * call the API (openapi.json included). `file` is under public/; `from: "swagger-ui"` under swagger-ui-dist.
 */
const STATIC_FILES: Record<string, { file: string; type: string; from?: "swagger-ui" }> = {
  "/": { file: "index.html", type: HTML },
  "/dashboard.js": { file: "dashboard.js", type: JS },
  "/dashboard.css": { file: "dashboard.css", type: CSS },
  "/docs": { file: "docs.html", type: HTML },
  // /redoc too: the path FastAPI served its second reference under, so bookmarks keep working.
  "/redoc": { file: "docs.html", type: HTML },
  "/docs/docs.js": { file: "docs.js", type: JS },
  "/docs/swagger-ui.css": { file: "swagger-ui.css", type: CSS, from: "swagger-ui" },
  "/docs/swagger-ui-bundle.js": { file: "swagger-ui-bundle.js", type: JS, from: "swagger-ui" },
};
const PUBLIC_PATHS = new Set(["/healthz", ...Object.keys(STATIC_FILES)]);

/** A static file as embedded at build (scripts/embed-public.ts): nothing is read from disk, so the app bundles. */
function staticFile(file: string, from: "swagger-ui" | undefined): string {
  const key = from ? `${from}/${file}` : file;
  const content = PUBLIC_ASSETS[key];
  if (content === undefined) throw new Error(`${key} was not embedded: run the build`);
  return content;
}

function respondWithError(c: Context<AppEnv>, error: unknown, options: ResolvedOptions): Response {
  const requestId = c.get("requestId") ?? "unknown";
  const mapped = toHttpError(error, requestId);
  if (mapped.unexpected) options.logger.error({ req_id: requestId, err: error }, "request failed");
  c.header(ERROR_CODE_HEADER, mapped.code);
  if (mapped.status === 401) c.header("www-authenticate", "Bearer");
  return c.json(mapped.body, mapped.status);
}

/** The OpenAPI 3.1 document of an app made by createApp. */
export function openApiDocument(app: App): object {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description:
        "A work queue of JSON items in four stages (WAITING, PROCESSING, SUCCESS, FAIL). Routes under " +
        "/api/v1/queue/ serve the default queue and keep the paths, status codes and JSON of the system this " +
        "replaces; /api/v1/queues/{queue_name}/ serves any named queue the same way. Error responses carry their " +
        "machine-readable code in the x-error-code header.",
    },
    security: [{}, { bearer: [] }],
  });
}

/** The task-queue HTTP API as a Hono app. Serving it (adapter, port, shutdown) is the caller's job. */
export function createApp(appOptions: AppOptions): App {
  const options = resolveOptions(appOptions, silentLogger);
  const app: App = new OpenAPIHono<AppEnv>({
    // Zod rejections of path and query parameters: the same 422 shape as every other validation error.
    defaultHook: (result, c) => {
      if (!result.success) {
        const where = result.target === "param" ? "path" : result.target;
        return respondWithError(
          c,
          new RequestValidationError(zodProblems(where, result.error.issues)),
          options,
        );
      }
    },
  });
  app.onError((error, c) => respondWithError(c, error, options));
  // A path that exists asked with another method is 405 with Allow, as FastAPI answered; any other path 404.
  const allowedOn = allowedMethods(() => app.routes);
  app.notFound((c) => {
    const allowed = allowedOn(c.req.path);
    if (allowed.length === 0) return respondWithError(c, routeNotFound(), options);
    c.header("allow", allowed.join(", "));
    return respondWithError(c, methodNotAllowed(), options);
  });
  app.use("*", requestLog(options.logger, options.metrics, options.defaultQueue));
  app.use("*", requestSpan());
  app.use(
    "*",
    bearerAuth(options.token, (path) => PUBLIC_PATHS.has(path)),
  );
  app.use("/api/*", bodySize(options.maxBodyBytes));

  registerServiceRoutes(app, options);
  for (const variant of queueVariants(options.queues, options.defaultQueue)) {
    for (const operation of queueOperations(options)) operation.register(app, variant);
  }
  app.openAPIRegistry.register("PutBody", PutBody);
  app.openAPIRegistry.register("RequeueBody", RequeueBody);
  app.openAPIRegistry.register("IdList", IdList);
  for (const [name, schema] of Object.entries({
    PutJobsBody,
    ExtendBody,
    SuccessBody,
    FailBody,
    CancelBody,
    PurgeBody,
    CompletionList,
    FailureList,
    CallbackSettingsBody,
    ResendBody,
  })) {
    app.openAPIRegistry.register(name, schema);
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

  const document = openApiDocument(app);
  app.get("/openapi.json", (c) => {
    return c.json(document);
  });
  for (const [path, { file, type, from }] of Object.entries(STATIC_FILES)) {
    const content = staticFile(file, from);
    app.get(path, (c) => {
      return c.body(content, 200, { "content-type": type });
    });
  }
  return app;
}
