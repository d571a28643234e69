import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "@task-queue/api-server";
import { type Served, serveOnLoopback } from "@task-queue/api-server/testing";
import {
  InMemoryQueueNamespace,
  InvalidArgument,
  InvalidItem,
  InvalidStage,
  InvalidTransition,
  ItemNotFound,
  QueueItemStage,
  QueueUnavailable,
} from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, ApiError, ApiQueueNamespace } from "../src/index.js";

describe("ApiClient maps error answers back to queue-core errors", () => {
  let server: Served;
  let client: ApiClient;
  beforeAll(async () => {
    server = await serveOnLoopback(
      createApp({
        queues: new InMemoryQueueNamespace(),
        auth: { token: "t0ken" },
        limits: { maxItems: 50 },
      }),
    );
    client = new ApiClient({ baseUrl: server.baseUrl, token: "t0ken" });
    await client.put({ a: 1, b: 2 });
  });
  afterAll(() => server.close());

  it("400 not in Queue → ItemNotFound with the id", async () => {
    await expect(client.lookupItem("a/../ghost")).rejects.toSatisfy(
      (e) => e instanceof ItemNotFound && e.itemId === "a/../ghost",
    );
  });

  it("409 → InvalidTransition with the stage the item is in", async () => {
    await expect(client.success("a")).rejects.toSatisfy(
      (e) =>
        e instanceof InvalidTransition && e.from === "WAITING" && e.itemId === "a" && e.action === "success",
    );
  });

  it("422 on n above the server's bound → InvalidArgument naming n_items", async () => {
    await expect(client.get(51)).rejects.toSatisfy(
      (e) => e instanceof InvalidArgument && e.argument === "n_items",
    );
    expect(await client.size(QueueItemStage.WAITING)).toBe(2);
  });

  it("bad ids and stages are refused before anything is sent", async () => {
    await expect(client.lookupStatus("")).rejects.toBeInstanceOf(InvalidItem);
    await expect(client.lookupStatus("..")).rejects.toBeInstanceOf(InvalidArgument);
    await expect(client.size(9 as QueueItemStage)).rejects.toBeInstanceOf(InvalidStage);
  });

  it("a wrong token → ApiError 401; history without events → ApiError 404", async () => {
    const stranger = new ApiClient({ baseUrl: server.baseUrl, token: "nope" });
    await expect(stranger.sizes()).rejects.toSatisfy(
      (e) =>
        e instanceof ApiError && e.status === 401 && e.code === "UNAUTHORIZED" && !e.message.includes("nope"),
    );
    await expect(client.history("a")).rejects.toSatisfy(
      (e) => e instanceof ApiError && e.status === 404 && e.code === "HISTORY_NOT_RECORDED",
    );
  });

  it("named queues and the namespace view", async () => {
    await client.queue("jobs").put({ j: 1 });
    expect(await client.listQueues()).toEqual([
      // No controller ever ticked on these queues.
      {
        name: "default",
        sizes: { WAITING: 2, PROCESSING: 0, SUCCESS: 0, FAIL: 0 },
        paused: false,
        controller: null,
      },
      {
        name: "jobs",
        sizes: { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 },
        paused: false,
        controller: null,
      },
    ]);
    const namespace = new ApiQueueNamespace({ baseUrl: server.baseUrl, token: "t0ken" });
    expect(await namespace.listQueues()).toEqual(["default", "jobs"]);
    expect(await namespace.queue("jobs").lookupStatus("j")).toBe(QueueItemStage.WAITING);
  });
});

describe("ApiClient transport", () => {
  it("retries a read after 503 and succeeds; never retries a POST, get or get_jobs (they move items)", async () => {
    const seen: string[] = [];
    const flaky = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const first = seen.filter((s) => s === `${req.method} ${req.url}`).length === 1;
      if (first || req.method === "POST" || /\/get(_jobs)?\//.test(req.url ?? "")) {
        res.writeHead(503, { "content-type": "application/json", "x-error-code": "QUEUE_UNAVAILABLE" });
        res.end('{"detail":"queue storage unavailable","request_id":"r1"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"WAITING":1,"PROCESSING":0,"SUCCESS":0,"FAIL":0}');
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    const { port } = flaky.address() as AddressInfo;
    try {
      const client = new ApiClient({
        baseUrl: `http://127.0.0.1:${port}`,
        retry: { attempts: 3, delayMs: 1 },
      });
      expect(await client.sizes()).toEqual({ WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      await expect(client.success("x")).rejects.toBeInstanceOf(QueueUnavailable);
      await expect(client.get(2)).rejects.toBeInstanceOf(QueueUnavailable);
      await expect(client.getJobs(2, { leaseSeconds: 5 })).rejects.toBeInstanceOf(QueueUnavailable);
      expect(seen).toEqual([
        "GET /api/v1/queue/sizes",
        "GET /api/v1/queue/sizes",
        "POST /api/v1/queue/success/x",
        "GET /api/v1/queue/get/2",
        "GET /api/v1/queue/get_jobs/2?lease_seconds=5",
      ]);
    } finally {
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it("a server that never answers → QueueUnavailable after the timeout", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const client = new ApiClient({
        baseUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 200,
        retry: { attempts: 2, delayMs: 1 },
      });
      let requests = 0;
      silent.on("request", () => requests++);
      await expect(client.sizes()).rejects.toSatisfy(
        (e) => e instanceof QueueUnavailable && /200 ms/.test(e.message),
      );
      // One try only: a hung server is not asked again, so the wait is the time limit the message names.
      expect(requests).toBe(1);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("no server at all → QueueUnavailable", async () => {
    const client = new ApiClient({ baseUrl: "http://127.0.0.1:9", retry: { attempts: 1 } });
    await expect(client.sizes()).rejects.toBeInstanceOf(QueueUnavailable);
  });
});
