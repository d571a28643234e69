import { readFileSync } from "node:fs";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { describe, expect, it } from "vitest";
import { createApp, openApiDocument, serializeOpenApi } from "../src/index.js";

/**
 * Every operation of the API but the named-queue copies, exactly: a route added, removed or renamed shows up here
 * (update the list with the route). The named-queue paths are checked to mirror these one for one.
 */
const OPERATIONS = [
  "GET /api/v1/queue/callbacks",
  "GET /api/v1/queue/callbacks/settings",
  "GET /api/v1/queue/controller",
  "GET /api/v1/queue/describe",
  "GET /api/v1/queue/get/{n_items}",
  "GET /api/v1/queue/get_jobs/{n_items}",
  "GET /api/v1/queue/history/{item_id}",
  "GET /api/v1/queue/item/{item_id}",
  "GET /api/v1/queue/lookup_item/{item_id}",
  "GET /api/v1/queue/lookup_state/{stage}",
  "GET /api/v1/queue/lookup_state_page/{stage}",
  "GET /api/v1/queue/pause",
  "GET /api/v1/queue/peek/{n_items}",
  "GET /api/v1/queue/size/{stage}",
  "GET /api/v1/queue/sizes",
  "GET /api/v1/queue/stats",
  "GET /api/v1/queue/status/{item_id}",
  "GET /api/v1/queues",
  "GET /healthz",
  "GET /metrics",
  "GET /readyz",
  "POST /api/v1/queue/callbacks/resend",
  "POST /api/v1/queue/callbacks/settings",
  "POST /api/v1/queue/cancel/{item_id}",
  "POST /api/v1/queue/delete",
  "POST /api/v1/queue/extend/{item_id}",
  "POST /api/v1/queue/fail",
  "POST /api/v1/queue/fail/{item_id}",
  "POST /api/v1/queue/pause",
  "POST /api/v1/queue/purge",
  "POST /api/v1/queue/put",
  "POST /api/v1/queue/put_detailed",
  "POST /api/v1/queue/put_jobs",
  "POST /api/v1/queue/requeue",
  "POST /api/v1/queue/requeue_detailed",
  "POST /api/v1/queue/rescue_expired",
  "POST /api/v1/queue/resume",
  "POST /api/v1/queue/retry_now",
  "POST /api/v1/queue/success",
  "POST /api/v1/queue/success/{item_id}",
];

describe("resources/openapi.json", () => {
  it("is what createApp produces (run `pnpm --filter @task-queue/api-server openapi` after changing routes)", () => {
    const committed = readFileSync(new URL("../../../resources/openapi.json", import.meta.url), "utf8");
    const produced = serializeOpenApi(openApiDocument(createApp({ queues: new InMemoryQueueNamespace() })));
    expect(committed).toBe(produced);
  });

  it("is OpenAPI 3.1 and documents every queue operation for the default queue and for named queues", () => {
    const document = openApiDocument(createApp({ queues: new InMemoryQueueNamespace() })) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe("3.1.0");
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const named = (operation: string) => operation.includes("/api/v1/queues/{queue_name}/");
    expect(operations.filter((operation) => !named(operation)).sort()).toEqual(OPERATIONS);
    expect(operations.filter(named).sort()).toEqual(
      OPERATIONS.filter((operation) => operation.includes("/api/v1/queue/"))
        .map((operation) => operation.replace("/api/v1/queue/", "/api/v1/queues/{queue_name}/"))
        .sort(),
    );
  });
});
