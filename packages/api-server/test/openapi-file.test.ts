import { readFileSync } from "node:fs";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { describe, expect, it } from "vitest";
import { createApp, openApiDocument, serializeOpenApi } from "../src/index.js";

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
    const paths = Object.keys(document.paths);
    const defaults = paths.filter((p) => p.startsWith("/api/v1/queue/"));
    expect(defaults.length).toBeGreaterThanOrEqual(16);
    for (const path of defaults) {
      expect(paths).toContain(path.replace("/api/v1/queue/", "/api/v1/queues/{queue_name}/"));
    }
  });
});
