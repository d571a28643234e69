import { randomBytes } from "node:crypto";
import {
  InMemoryQueueNamespace,
  type JsonValue,
  type Queue,
  QueueItemStage,
  type QueueNamespace,
} from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

/**
 * The Python task-queue's own HTTP expectations (tests/test_api_endpoints.py in AFMC-MAJCOM/task-queue), ported
 * case by case: the same requests, the same status codes and JSON, against our server on each backend. As there,
 * each case prepares the queue directly and checks what the API answers; each case gets a queue of its own where
 * the original moved every item back to WAITING between cases.
 */

const N_ITEMS = 20;

/** Like the original's qtest.random_item(): a random id and a small JSON body. */
function randomItems(n: number): Record<string, JsonValue> {
  return Object.fromEntries(
    Array.from({ length: n }, () => {
      const id = randomBytes(8).toString("hex");
      return [id, { id, data: randomBytes(4).toString("hex"), n: Math.floor(Math.random() * 100) }];
    }),
  );
}

interface Backend {
  name: string;
  open(): Promise<QueueNamespace>;
  /** Removes what the backend left behind, before the namespace is closed. */
  cleanup(namespace: QueueNamespace): Promise<void>;
  /** The original's describe: implementation name and the argument names it had (extra arguments are fine). */
  description: { implementation: string; argumentNames: string[] };
}

const table = randomTableName("tq_pycompat");
const backends: Backend[] = [
  {
    name: "memory",
    open: async () => new InMemoryQueueNamespace(),
    cleanup: async () => {},
    description: { implementation: "InMemoryQueue", argumentNames: [] },
  },
  {
    name: "PostgreSQL",
    open: async () => SqlQueueNamespace.open({ connection: await testDatabaseUrl(), tableName: table }),
    cleanup: (namespace) => dropQueueTable((namespace as SqlQueueNamespace).queue("default").database, table),
    description: { implementation: "SQLQueue", argumentNames: ["queue_name"] },
  },
];

describe.each(backends)("the Python task-queue's API tests, on $name", (backend) => {
  let namespace: QueueNamespace;
  let served: Served;
  let queue: Queue;
  let items: Record<string, JsonValue>;
  let caseNumber = 0;

  beforeAll(async () => {
    namespace = await backend.open();
  });

  beforeEach(async () => {
    // A fresh default queue per case: the original's clean_queue fixture, without sharing state between cases.
    caseNumber += 1;
    const name = `case${caseNumber}`;
    queue = namespace.queue(name);
    items = randomItems(N_ITEMS);
    await served?.close();
    served = await serveOnLoopback(createApp({ queues: namespace, defaultQueue: name }));
  });

  afterAll(async () => {
    await served?.close();
    if (namespace) {
      await backend.cleanup(namespace);
      await namespace.close();
    }
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await send(
      served.port,
      method,
      `/api/v1/queue/${path}`,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? {} : { "content-type": "application/json" },
    );
    return { status: response.status, json: JSON.parse(response.text) as unknown, headers: response.headers };
  }

  it("test_v1_queue_sizes", async () => {
    await queue.put(items);
    const [, succ, fail] = await queue.get(3);
    await queue.success(succ![0]);
    await queue.fail(fail![0]);
    expect(await call("GET", "sizes")).toMatchObject({
      status: 200,
      json: { WAITING: N_ITEMS - 3, PROCESSING: 1, SUCCESS: 1, FAIL: 1 },
    });
  });

  it("test_v1_queue_status", async () => {
    await queue.put(items);
    const [proc, succ, fail] = await queue.get(3);
    await queue.success(succ![0]);
    await queue.fail(fail![0]);
    expect(await call("GET", `status/${proc![0]}`)).toMatchObject({
      status: 200,
      json: QueueItemStage.PROCESSING,
    });
    expect(await call("GET", `status/${succ![0]}`)).toMatchObject({
      status: 200,
      json: QueueItemStage.SUCCESS,
    });
    expect(await call("GET", `status/${fail![0]}`)).toMatchObject({ status: 200, json: QueueItemStage.FAIL });
    expect(QueueItemStage.PROCESSING).toBe(1); // the original's integer values: WAITING 0 … FAIL 3
    expect(await call("GET", "status/bad-item-id")).toMatchObject({
      status: 400,
      json: { detail: "bad-item-id not in Queue" },
    });
  });

  it("test_v1_queue_describe", async () => {
    const { status, json } = await call("GET", "describe");
    expect(status).toBe(200);
    const description = json as { implementation: string; arguments: Record<string, unknown> };
    expect(description.implementation).toBe(backend.description.implementation);
    expect(typeof description.arguments).toBe("object");
    for (const name of backend.description.argumentNames) expect(description.arguments).toHaveProperty(name);
  });

  it("test_v1_queue_requeue_list", async () => {
    await queue.put(items);
    const failIds = (await queue.get(3)).map(([id]) => id);
    for (const id of failIds) await queue.fail(id);
    expect((await call("POST", "requeue", failIds)).status).toBe(200);
    expect(await queue.size(QueueItemStage.FAIL)).toBe(0);
    expect(await queue.size(QueueItemStage.WAITING)).toBe(N_ITEMS);
  });

  it("test_v1_queue_requeue_not_list", async () => {
    await queue.put(items);
    const [[id]] = (await queue.get(1)) as [[string, JsonValue]];
    await queue.fail(id);
    expect((await call("POST", "requeue", id)).status).toBe(200);
    expect(await queue.size(QueueItemStage.FAIL)).toBe(0);
    expect(await queue.size(QueueItemStage.WAITING)).toBe(N_ITEMS);
    // The original warned about the id and still answered 200.
    const bad = await call("POST", "requeue", "bad-item-id");
    expect(bad.status).toBe(200);
    expect(JSON.stringify(bad.json)).toContain("bad-item-id");
  });

  it("test_v1_queue_lookup_item", async () => {
    await queue.put(items);
    const [[id, body]] = (await queue.get(1)) as [[string, JsonValue]];
    expect(await call("GET", `lookup_item/${id}`)).toEqual({
      status: 200,
      json: { item_id: id, status: QueueItemStage.PROCESSING, item_body: body },
      headers: expect.anything(),
    });
    expect(await call("GET", "lookup_item/bad-item-id")).toMatchObject({
      status: 400,
      json: { detail: "bad-item-id not in Queue" },
    });
  });

  it("test_put_valid_items", async () => {
    expect((await call("POST", "put", items)).status).toBe(200);
    expect(await queue.size(QueueItemStage.WAITING)).toBe(N_ITEMS);
  });

  it("test_put_invalid_items", async () => {
    const before = await queue.size(QueueItemStage.WAITING);
    expect((await call("POST", "put", "bad-items")).status).toBe(422);
    expect(await queue.size(QueueItemStage.WAITING)).toBe(before);
  });

  it("answers a wrong method on an existing path 405 with Allow, as FastAPI did", async () => {
    const wrong = await call("POST", "sizes");
    expect(wrong).toMatchObject({ status: 405, json: { detail: "Method Not Allowed" } });
    expect(wrong.headers.allow).toBe("GET, HEAD");
    const onParam = await call("GET", "put");
    expect(onParam).toMatchObject({ status: 405, json: { detail: "Method Not Allowed" } });
    expect(onParam.headers.allow).toBe("POST");
    expect(await call("DELETE", `status/${"some-id"}`)).toMatchObject({ status: 405 });
    // A path that does not exist stays 404.
    expect(await call("POST", "no-such-route")).toMatchObject({ status: 404, json: { detail: "Not Found" } });
    expect(await queue.size(QueueItemStage.WAITING)).toBe(0);
  });

  it("serves the reference at /redoc as FastAPI did, beside /docs", async () => {
    const redoc = await send(served.port, "GET", "/redoc");
    const docs = await send(served.port, "GET", "/docs");
    expect(redoc.status).toBe(200);
    expect(redoc.headers["content-type"]).toMatch(/^text\/html/);
    expect(redoc.text).toBe(docs.text);
    // The reference page (Swagger UI) renders the served contract, openapi.json.
    expect(redoc.text).toContain("API reference");
    expect(redoc.text).toContain("swagger-ui");
  });
});
