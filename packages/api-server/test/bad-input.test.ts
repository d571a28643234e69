import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

const SIZES = '{"WAITING":1,"PROCESSING":1,"SUCCESS":0,"FAIL":0}';

// Every rejection is a 4xx with a message, and leaves the queue exactly as it was.
describe("bad input", () => {
  let server: Served;
  const json = { "content-type": "application/json" };
  const sizes = async () => (await send(server.port, "GET", "/api/v1/queue/sizes")).text;

  beforeAll(async () => {
    server = await serveOnLoopback(
      createApp({ queues: new InMemoryQueueNamespace(), limits: { maxBodyBytes: 4096, maxItems: 100 } }),
    );
    await send(server.port, "POST", "/api/v1/queue/put", '{"held":1,"waiting":2}', json);
    await send(server.port, "GET", "/api/v1/queue/get/1");
  });
  afterAll(() => server.close());

  const cases: Array<[string, string, string, string | undefined, number]> = [
    ["malformed JSON", "POST", "/api/v1/queue/put", '{"a": ', 422],
    ["JSON with a trailing comma", "POST", "/api/v1/queue/put", '{"a": 1,}', 422],
    ["an empty body", "POST", "/api/v1/queue/put", "", 422],
    ["a put body that is a list", "POST", "/api/v1/queue/put", '[["a",1]]', 422],
    [
      "a put batch with one bad id among good ones",
      "POST",
      "/api/v1/queue/put",
      '{"good":1,"tab\\there":2}',
      422,
    ],
    ["a put batch with an empty id", "POST", "/api/v1/queue/put", '{"":1}', 422],
    [
      "a put batch with a 600-byte id",
      "POST",
      "/api/v1/queue/put",
      JSON.stringify({ ["x".repeat(600)]: 1 }),
      422,
    ],
    ["a put batch with a lone surrogate id", "POST", "/api/v1/queue/put", '{"\\ud800":1}', 422],
    [
      "a body over the size limit",
      "POST",
      "/api/v1/queue/put",
      JSON.stringify({ big: "x".repeat(5000) }),
      413,
    ],
    ["requeue of a number", "POST", "/api/v1/queue/requeue", "5", 422],
    ["requeue of a list holding a non-string", "POST", "/api/v1/queue/requeue", '["held", null]', 422],
    ["success of an object", "POST", "/api/v1/queue/success", '{"held":1}', 422],
    ["fail of a list with an empty id", "POST", "/api/v1/queue/fail", '["held",""]', 422],
    ["n_items above the bound", "GET", "/api/v1/queue/get/101", undefined, 422],
    ["a huge n_items", "GET", "/api/v1/queue/get/99999999999999999999999", undefined, 422],
    ["peek of a negative n", "GET", "/api/v1/queue/peek/-5", undefined, 422],
    ["an unknown path-like id", "GET", "/api/v1/queue/status/..%2Fx", undefined, 400],
    ["a percent-encoded slash in an unknown id", "POST", "/api/v1/queue/success/a%2Fb", undefined, 400],
    ["an unknown unicode id", "GET", "/api/v1/queue/lookup_item/%E6%97%A5%E6%9C%AC", undefined, 400],
    ["a 600-byte id in the path", "GET", `/api/v1/queue/status/${"y".repeat(600)}`, undefined, 422],
    ["a control character in the path", "POST", "/api/v1/queue/fail/a%07b", undefined, 422],
    ["a NUL in the path", "GET", "/api/v1/queue/lookup_item/%00", undefined, 422],
    ["an empty id", "GET", "/api/v1/queue/status/", undefined, 404],
    // Hono keeps an undecodable escape as typed: an unknown id.
    ["a broken percent escape", "GET", "/api/v1/queue/status/%E6%97", undefined, 400],
    ["a bad queue name", "POST", "/api/v1/queues/..%2Fother/put", '{"z":1}', 422],
    ["a queue name with a space", "GET", "/api/v1/queues/a%20b/sizes", undefined, 422],
    ["success of a WAITING item", "POST", "/api/v1/queue/success/waiting", undefined, 409],
    [
      "purge of PROCESSING",
      "POST",
      "/api/v1/queue/purge",
      '{"stage":"PROCESSING","older_than_seconds":0}',
      422,
    ],
    ["purge without an age", "POST", "/api/v1/queue/purge", '{"stage":"WAITING"}', 422],
    [
      "purge with a negative age",
      "POST",
      "/api/v1/queue/purge",
      '{"stage":"WAITING","older_than_seconds":-1}',
      422,
    ],
    [
      "purge with limit 0",
      "POST",
      "/api/v1/queue/purge",
      '{"stage":"WAITING","older_than_seconds":0,"limit":0}',
      422,
    ],
    [
      "purge with records but no limit",
      "POST",
      "/api/v1/queue/purge",
      '{"stage":"WAITING","older_than_seconds":0,"with_records":true}',
      422,
    ],
    [
      "purge with an unknown field",
      "POST",
      "/api/v1/queue/purge",
      '{"stage":"WAITING","older_than_seconds":0,"x":1}',
      422,
    ],
  ];

  for (const [name, method, path, body, status] of cases) {
    it(`${name} → ${status}, queue unchanged`, async () => {
      const response = await send(server.port, method, path, body, body === undefined ? {} : json);
      expect(response.status).toBe(status);
      const detail = JSON.parse(response.text).detail;
      expect(detail === undefined || detail.length === 0, "detail explains the rejection").toBe(false);
      expect(typeof response.headers["x-error-code"]).toBe("string");
      expect(await sizes()).toBe(SIZES);
    });
  }

  it("a put batch with bad items names each one and writes none of the good ones", async () => {
    const response = await send(
      server.port,
      "POST",
      "/api/v1/queue/put",
      '{"fine":1,"":2,"bad\\u0001":3}',
      json,
    );
    expect(response.status).toBe(422);
    expect(JSON.parse(response.text).detail.map((d: { loc: string[] }) => d.loc)).toEqual([
      ["body", ""],
      ["body", "bad\u0001"],
    ]);
    expect((await send(server.port, "GET", "/api/v1/queue/status/fine")).status).toBe(400);
    expect(await sizes()).toBe(SIZES);
  });

  it("odd but valid ids work through the path when percent-encoded", async () => {
    const ids = ["../x", "a/b", "日本 語", "%2F", "q?x#y"];
    const put = await send(
      server.port,
      "POST",
      "/api/v1/queues/odd/put",
      JSON.stringify(Object.fromEntries(ids.map((id) => [id, id]))),
      json,
    );
    expect(put).toMatchObject({ status: 200, text: "null" });
    for (const id of ids) {
      const response = await send(
        server.port,
        "GET",
        `/api/v1/queues/odd/lookup_item/${encodeURIComponent(id)}`,
      );
      expect(JSON.parse(response.text)).toEqual({ item_id: id, status: 0, item_body: id });
    }
    expect(await sizes()).toBe(SIZES);
  });
});
