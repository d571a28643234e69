import { InMemoryQueueNamespace, type QueueNamespace } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { send, serveOnLoopback } from "./http.js";

const backends: Array<[string, () => Promise<QueueNamespace>]> = [
  ["InMemoryQueueNamespace", async () => new InMemoryQueueNamespace()],
  ["SqlQueueNamespace on PGlite", () => SqlQueueNamespace.open({ connection: "pglite://memory" })],
];

const SECRET = "api-secret-value-0123456789";

describe.each(backends)("completion callbacks over HTTP (%s)", (_label, open) => {
  async function serve() {
    const queues = await open();
    const server = await serveOnLoopback(
      createApp({ queues, callbacks: { allowedHosts: ["127.0.0.1", "*.hooks.example"] } }),
    );
    const call = async (method: string, path: string, body?: string) => {
      const response = await send(server.port, method, path, body, { "content-type": "application/json" });
      return { status: response.status, body: JSON.parse(response.text) as unknown, code: response.headers };
    };
    const close = async () => {
      await server.close();
      await queues.close();
    };
    return { queues, call, close };
  }

  it("refuses bad notify URLs with 422 naming the problem and the field, and changes nothing", async () => {
    const { call, close } = await serve();
    try {
      const cases: Array<[string, string, RegExp]> = [
        [
          "/api/v1/queues/q/put_jobs",
          JSON.stringify([
            { item_id: "fine", body: 1 },
            { item_id: "bad", body: 2, notify_url: "ftp://127.0.0.1/x" },
          ]),
          /"loc":\["body",1,"notify_url"\],"msg":"notify_url must be an http or https URL, got ftp"/,
        ],
        [
          "/api/v1/queues/q/put_jobs",
          JSON.stringify([{ item_id: "far", body: 1, notify_url: "https://evil.example/x" }]),
          /host evil\.example is not in the callback allow-list/,
        ],
        [
          "/api/v1/queues/q/put",
          JSON.stringify({ a: { notify_url: `http://127.0.0.1/${"x".repeat(2100)}` } }),
          /"loc":\["body","a","notify_url"\].*at most 2048 characters/,
        ],
        [
          "/api/v1/queues/q/put_detailed",
          JSON.stringify({ a: { notify_url: 42 } }),
          /notify_url must be a string URL/,
        ],
        [
          "/api/v1/queues/q/callbacks/settings",
          JSON.stringify({ url: "http://10.0.0.1/x" }),
          /host 10\.0\.0\.1 is not in the callback allow-list/,
        ],
      ];
      for (const [path, body, problem] of cases) {
        const answer = await call("POST", path, body);
        expect(answer.status, path).toBe(422);
        expect(JSON.stringify(answer.body)).toMatch(problem);
      }
      const weak = await call(
        "POST",
        "/api/v1/queues/q/callbacks/settings",
        JSON.stringify({ secret: "short" }),
      );
      expect(weak.status).toBe(422);
      expect(JSON.stringify(weak.body)).toMatch(
        /"loc":\["secret"\],"msg":"[^"]*must be a string of 16 to 256 characters/,
      );
      expect(JSON.stringify(weak.body)).not.toContain('short"');
      expect((await call("GET", "/api/v1/queues/q/sizes")).body).toEqual({
        WAITING: 0,
        PROCESSING: 0,
        SUCCESS: 0,
        FAIL: 0,
      });
      expect((await call("GET", "/api/v1/queues/q/callbacks/settings")).body).toEqual({
        url: null,
        has_secret: false,
      });
    } finally {
      await close();
    }
  });

  it("takes notify_url on put_jobs and the legacy put (answer unchanged); never returns the secret; lists and re-sends", async () => {
    const { call, close } = await serve();
    try {
      const settings = await call(
        "POST",
        "/api/v1/queue/callbacks/settings",
        JSON.stringify({ url: "https://a.hooks.example/default", secret: SECRET }),
      );
      expect(settings).toMatchObject({
        status: 200,
        body: { url: "https://a.hooks.example/default", has_secret: true },
      });
      expect(JSON.stringify(settings.body)).not.toContain(SECRET);
      // The legacy put answers as before (null: nothing skipped); an item body's notify_url is its callback, and
      // the body is kept as given.
      const legacy = await call(
        "POST",
        "/api/v1/queue/put",
        JSON.stringify({ a: { n: 1, notify_url: "http://127.0.0.1:9/legacy" } }),
      );
      expect(legacy).toMatchObject({ status: 200, body: null });
      expect((await call("GET", "/api/v1/queue/lookup_item/a")).body).toMatchObject({
        item_body: { n: 1, notify_url: "http://127.0.0.1:9/legacy" },
      });
      await call(
        "POST",
        "/api/v1/queue/put_jobs",
        JSON.stringify([
          { item_id: "b", body: 2, notify_url: "http://127.0.0.1:9/jobs" },
          { item_id: "c", body: 3 },
        ]),
      );
      expect((await call("GET", "/api/v1/queue/sizes")).body).toMatchObject({ WAITING: 3 });
      await call("GET", "/api/v1/queue/get/3");
      await call("POST", "/api/v1/queue/success", JSON.stringify(["a", "b", "c"]));
      const listed = (await call("GET", "/api/v1/queue/callbacks?status=pending")).body as Array<{
        delivery_id: string;
        item_id: string;
        url: string;
        status: string;
      }>;
      expect(listed.map((c) => [c.item_id, c.url, c.status]).sort()).toEqual([
        ["a", "http://127.0.0.1:9/legacy", "pending"],
        ["b", "http://127.0.0.1:9/jobs", "pending"],
        ["c", "https://a.hooks.example/default", "pending"],
      ]);
      expect((await call("GET", "/api/v1/queue/callbacks?status=failed")).body).toEqual([]);
      expect((await call("GET", "/api/v1/queue/callbacks?status=odd")).status).toBe(422);
      const resent = await call(
        "POST",
        "/api/v1/queue/callbacks/resend",
        JSON.stringify({ ids: [listed[0]!.delivery_id, "unknown-id"] }),
      );
      expect(resent).toMatchObject({
        status: 200,
        body: { resent: [listed[0]!.delivery_id], not_found: ["unknown-id"] },
      });
    } finally {
      await close();
    }
  });
});
