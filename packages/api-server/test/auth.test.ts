import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

const JSON_BODY = { "content-type": "application/json" };

const TOKEN = "s3cret-token-of-some-length";
const PROTECTED = [
  ["GET", "/api/v1/queue/sizes"],
  ["POST", "/api/v1/queue/put"],
  ["GET", "/api/v1/queues"],
  ["GET", "/api/v1/queues/other/size/WAITING"],
  ["GET", "/readyz"],
  ["GET", "/metrics"],
  ["GET", "/openapi.json"],
  ["POST", "/api/v1/queues/other/pause"],
] as const;

describe("bearer auth on", () => {
  let server: Served;
  beforeAll(async () => {
    server = await serveOnLoopback(
      createApp({ queues: new InMemoryQueueNamespace(), auth: { token: TOKEN } }),
    );
  });
  afterAll(() => server.close());

  it("every route but /healthz and the dashboard files answers 401 without the token", async () => {
    for (const [method, path] of PROTECTED) {
      for (const authorization of [undefined, "Bearer wrong", `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
        const response = await send(server.port, method, path, method === "POST" ? '{"a":1}' : undefined, {
          ...(authorization ? { authorization } : {}),
          ...JSON_BODY,
        });
        expect(response.status, `${method} ${path} with ${authorization}`).toBe(401);
        expect(response.headers["www-authenticate"]).toBe("Bearer");
        expect(response.text).not.toContain(TOKEN);
      }
    }
    expect(
      (await send(server.port, "GET", "/api/v1/queue/sizes", undefined, { authorization: `Bearer ${TOKEN}` }))
        .text,
    ).toBe('{"WAITING":0,"PROCESSING":0,"SUCCESS":0,"FAIL":0}');
  });

  it("the right token opens every route", async () => {
    for (const [method, path] of PROTECTED) {
      const response = await send(server.port, method, path, method === "POST" ? '{"a":1}' : undefined, {
        authorization: `Bearer ${TOKEN}`,
        ...JSON_BODY,
      });
      expect(response.status, `${method} ${path}`).toBe(200);
    }
  });

  it("/healthz and the console's and API reference's static files (no data) need no token", async () => {
    expect(await send(server.port, "GET", "/healthz")).toMatchObject({
      status: 200,
      text: '{"status":"ok"}',
    });
    expect((await send(server.port, "GET", "/")).status).toBe(200);
    for (const path of [
      "/dashboard.js",
      "/dashboard.css",
      "/docs",
      "/docs/docs.js",
      "/docs/swagger-ui.css",
      "/docs/swagger-ui-bundle.js",
    ]) {
      expect((await send(server.port, "GET", path)).status, path).toBe(200);
    }
  });
});

describe("bearer auth off", () => {
  it("every route answers without a token", async () => {
    const server = await serveOnLoopback(createApp({ queues: new InMemoryQueueNamespace() }));
    try {
      for (const [method, path] of PROTECTED) {
        const response = await send(
          server.port,
          method,
          path,
          method === "POST" ? '{"b":1}' : undefined,
          JSON_BODY,
        );
        expect(response.status, `${method} ${path}`).toBe(200);
      }
    } finally {
      await server.close();
    }
  });
});
