import { ServerMetrics } from "@task-queue/metrics";
import { InMemoryQueue, InMemoryQueueNamespace, type Queue, QueueUnavailable } from "@task-queue/queue-core";
import { recordingLogger } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

/** Fault injection: a namespace whose "broken" queue throws the given error from sizes(). */
function namespaceWithBrokenQueue(error: Error) {
  const namespace = new InMemoryQueueNamespace();
  const broken: Queue = Object.assign(new InMemoryQueue({ name: "broken" }), {
    sizes: async () => {
      throw error;
    },
  });
  return {
    queue: (name: string) => (name === "broken" ? broken : namespace.queue(name)),
    listQueues: () => namespace.listQueues(),
    close: () => namespace.close(),
  };
}

describe("service routes", () => {
  let server: Served;
  const logger = recordingLogger();
  const lines = logger.records;
  beforeAll(async () => {
    const queues = namespaceWithBrokenQueue(new Error("connection to db-host:5432 password=hunter2 refused"));
    server = await serveOnLoopback(
      createApp({ queues, logger, metrics: new ServerMetrics(queues, "default") }),
    );
  });
  afterAll(() => server.close());

  it("writes one log line per request, with its id, route and status", async () => {
    lines.length = 0;
    const response = await send(server.port, "GET", "/api/v1/queue/size/WAITING", undefined, {
      "x-request-id": "req-123",
    });
    expect(response.headers["x-request-id"]).toBe("req-123");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      msg: "request",
      obj: { req_id: "req-123", method: "GET", route: "/api/v1/queue/size/:stage", status: 200 },
    });
  });

  it("a request about an item logs its queue and item_id", async () => {
    lines.length = 0;
    await send(server.port, "GET", "/api/v1/queues/jobs/status/x-1");
    await send(server.port, "GET", "/api/v1/queue/status/x-2");
    expect(lines.map((l) => [l.obj.queue, l.obj.item_id, l.obj.status])).toEqual([
      ["jobs", "x-1", 400],
      ["default", "x-2", 400],
    ]);
  });

  it("an unexpected error is 500 with a request id; the details go only to the log", async () => {
    lines.length = 0;
    const response = await send(server.port, "GET", "/api/v1/queues/broken/sizes");
    expect(response.status).toBe(500);
    const body = JSON.parse(response.text);
    expect(body).toEqual({ detail: "Internal Server Error", request_id: response.headers["x-request-id"] });
    expect(response.text).not.toContain("hunter2");
    const logged = lines.find((l) => l.level === "error");
    expect(logged?.obj.req_id).toBe(body.request_id);
    expect(String(logged?.obj.err)).toContain("db-host");
  });

  it("/healthz and /readyz answer", async () => {
    expect(await send(server.port, "GET", "/healthz")).toMatchObject({
      status: 200,
      text: '{"status":"ok"}',
    });
    expect(await send(server.port, "GET", "/readyz")).toMatchObject({
      status: 200,
      text: '{"status":"ready"}',
    });
  });

  it("/metrics has items per stage per queue, request counts and latency histograms", async () => {
    await send(server.port, "POST", "/api/v1/queues/jobs/put", '{"a":1,"b":2}', {
      "content-type": "application/json",
    });
    const { status, text, headers } = await send(server.port, "GET", "/metrics");
    expect(status).toBe(200);
    expect(headers["content-type"]).toContain("text/plain");
    expect(text).toContain('task_queue_items{queue="jobs",stage="WAITING"} 2');
    expect(text).toContain('task_queue_items{queue="default",stage="FAIL"} 0');
    expect(text).toMatch(
      /task_queue_http_requests_total\{method="POST",route="\/api\/v1\/queues\/:queue_name\/put",status="200"\} 1/,
    );
    expect(text).toContain("# TYPE task_queue_http_request_duration_seconds histogram");
    expect(text).toMatch(
      /task_queue_http_request_duration_seconds_count\{method="GET",route="\/healthz"\} \d+/,
    );
  });

  it("GET /api/v1/queues lists the default queue and every queue holding items, with sizes", async () => {
    const response = await send(server.port, "GET", "/api/v1/queues");
    expect(JSON.parse(response.text)).toEqual([
      {
        name: "default",
        sizes: { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 },
        paused: false,
        controller: null,
      },
      {
        name: "jobs",
        sizes: { WAITING: 2, PROCESSING: 0, SUCCESS: 0, FAIL: 0 },
        paused: false,
        controller: null,
      },
    ]);
  });

  it("GET /api/v1/queues shows the controller status a tick recorded, and calls an old one stale", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const queues = new InMemoryQueueNamespace({ now: () => now });
    const app = await serveOnLoopback(createApp({ queues }));
    try {
      const report = { identity: "worker-host/4242", leader: true, paused: false, periodSeconds: 5 };
      await queues.queue("default").recordControllerStatus(report);
      now += 12_000;
      const listed = async () =>
        JSON.parse((await send(app.port, "GET", "/api/v1/queues")).text)[0].controller;
      expect(await listed()).toEqual({
        last_tick_at: "2026-01-01T00:00:00.000Z",
        age_seconds: 12,
        identity: "worker-host/4242",
        leader: true,
        paused: false,
        period_seconds: 5,
        stale: false,
      });
      now += 4_000; // 16 s: more than 3 periods of 5 s
      expect(await listed()).toMatchObject({ age_seconds: 16, stale: true });
    } finally {
      await app.close();
    }
  });

  it("/docs loads Swagger UI from the server itself, by relative URLs only", async () => {
    const { status, text } = await send(server.port, "GET", "/docs");
    expect(status).toBe(200);
    const sources = [...text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(["docs/swagger-ui.css", "./", "docs/swagger-ui-bundle.js", "docs/docs.js"]);
    for (const source of sources.filter((s) => s?.startsWith("docs/"))) {
      const file = await send(server.port, "GET", `/${source}`);
      expect(file.status, source).toBe(200);
      expect(file.text.length).toBeGreaterThan(100);
    }
    expect((await send(server.port, "GET", "/docs/swagger-ui-bundle.js")).text).toContain("SwaggerUIBundle");
    const openapi = JSON.parse((await send(server.port, "GET", "/openapi.json")).text);
    expect(openapi.openapi).toBe("3.1.0");
  });
});

describe("storage failures", () => {
  it("QueueUnavailable is 503 with a request id and no backend message; /readyz is 503", async () => {
    const queues = namespaceWithBrokenQueue(new QueueUnavailable("cannot reach db-host:5432"));
    const server = await serveOnLoopback(
      createApp({
        queues,
        ready: async () => {
          await queues.queue("broken").sizes();
        },
      }),
    );
    try {
      const response = await send(server.port, "GET", "/api/v1/queues/broken/sizes");
      expect(response.status).toBe(503);
      expect(response.headers["x-error-code"]).toBe("QUEUE_UNAVAILABLE");
      expect(response.text).not.toContain("db-host");
      expect(JSON.parse(response.text).request_id).toBe(response.headers["x-request-id"]);
      expect(await send(server.port, "GET", "/readyz")).toMatchObject({
        status: 503,
        text: '{"status":"unavailable"}',
      });
    } finally {
      await server.close();
    }
  });
});
