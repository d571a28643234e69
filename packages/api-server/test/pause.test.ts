import { InMemoryQueueNamespace, type Queue, type QueueNamespace } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { send, serveOnLoopback } from "./http.js";

const backends: Array<[string, () => Promise<QueueNamespace>]> = [
  ["InMemoryQueueNamespace", async () => new InMemoryQueueNamespace()],
  ["SqlQueueNamespace on PGlite", () => SqlQueueNamespace.open({ connection: "pglite://memory" })],
];

describe.each(backends)("pause and resume over HTTP (%s)", (_label, open) => {
  it("stores the flag per queue, lists it with the queue, and changes no item", async () => {
    const queues = await open();
    const server = await serveOnLoopback(createApp({ queues }));
    const call = async (method: string, path: string, body?: string) => {
      const response = await send(server.port, method, path, body, { "content-type": "application/json" });
      return { status: response.status, body: JSON.parse(response.text) as unknown };
    };
    try {
      await call("POST", "/api/v1/queues/a/put", '{"x":1}');
      await call("POST", "/api/v1/queues/b/put", '{"y":1}');
      expect(await call("GET", "/api/v1/queues/a/pause")).toEqual({ status: 200, body: { paused: false } });
      expect(await call("POST", "/api/v1/queues/a/pause")).toEqual({ status: 200, body: { paused: true } });
      expect(await call("GET", "/api/v1/queues/a/pause")).toEqual({ status: 200, body: { paused: true } });
      const listed = (await call("GET", "/api/v1/queues")).body as Array<{ name: string; paused: boolean }>;
      expect(listed.map((q) => [q.name, q.paused])).toEqual([
        ["a", true],
        ["b", false],
        ["default", false],
      ]);
      expect((await call("GET", "/api/v1/queues/a/sizes")).body).toEqual({
        WAITING: 1,
        PROCESSING: 0,
        SUCCESS: 0,
        FAIL: 0,
      });
      expect(await call("POST", "/api/v1/queues/a/resume")).toEqual({ status: 200, body: { paused: false } });
      expect(await queues.queue("a").isPaused?.()).toBe(false);
    } finally {
      await server.close();
      await queues.close();
    }
  });
});

describe("a backend that stores no pause flag", () => {
  it("answers 404 PAUSE_NOT_STORED and lists paused as null", async () => {
    const inner = new InMemoryQueueNamespace();
    // A queue without isPaused/setPaused (every bundled backend has them now; a third-party one may not).
    const bare = (name: string): Queue => {
      const queue = inner.queue(name);
      return new Proxy(queue, {
        get: (target, key) =>
          key === "isPaused" || key === "setPaused" ? undefined : Reflect.get(target, key, target),
      });
    };
    const queues: QueueNamespace = {
      queue: bare,
      listQueues: () => inner.listQueues(),
      close: async () => {},
    };
    const server = await serveOnLoopback(createApp({ queues }));
    try {
      const response = await send(server.port, "POST", "/api/v1/queues/a/pause");
      expect(response.status).toBe(404);
      expect(response.headers["x-error-code"]).toBe("PAUSE_NOT_STORED");
      expect(JSON.parse(response.text).detail).toContain("stores no pause flag");
      const listed = JSON.parse((await send(server.port, "GET", "/api/v1/queues")).text);
      expect(listed).toEqual([
        {
          name: "default",
          sizes: { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 },
          paused: null,
          controller: null,
        },
      ]);
    } finally {
      await server.close();
    }
  });
});
