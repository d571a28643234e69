import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createApp } from "@task-queue/api-server";
import { InMemoryQueueNamespace, QueueItemStage, QueueUnavailable } from "@task-queue/queue-core";
import { InMemoryEventStore, withEvents } from "@task-queue/queue-events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../src/index.js";

/**
 * The real API on loopback behind a listener that lets the first request of each operation run to its end and
 * then cuts the connection instead of answering: the request took effect, its answer is lost.
 */
function droppingServer(app: ReturnType<typeof createApp>): Promise<{ server: Server; url: string }> {
  const listener = getRequestListener(app.fetch);
  const answeredOnce = new Set<string>();
  const server = createServer((req, res) => {
    const operation = operationOf(req.url ?? "");
    seen.push(operation);
    if (!answeredOnce.has(operation)) {
      answeredOnce.add(operation);
      // Hono writes the head once the handler has finished: cut the socket there, nothing is sent.
      res.writeHead = () => {
        req.socket.destroy();
        return res;
      };
      res.write = () => true;
      res.end = () => res;
    }
    void listener(req, res);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/** `/api/v1/queue/lookup_item/a` → `lookup_item`; `/api/v1/queues` → `queues`. */
function operationOf(url: string): string {
  const path = url.split("?")[0]!;
  const match = /^\/api\/v1\/queue\/([^/]+)/.exec(path) ?? /^\/api\/v1\/(queues)$/.exec(path);
  return match?.[1] ?? path;
}

const seen: string[] = [];

describe("ApiClient retries operations that change nothing, and never a get", () => {
  let server: Server;
  let client: ApiClient;

  beforeAll(async () => {
    const queues = withEvents(new InMemoryQueueNamespace(), new InMemoryEventStore(), { base: "TASK" });
    const running = await droppingServer(createApp({ queues }));
    server = running.server;
    client = new ApiClient({ baseUrl: running.url, retry: { attempts: 3, delayMs: 1 } });
    await queues.queue("default").put({ a: 1, b: 2, c: 3, d: 4, e: 5 });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const reads: Array<[string, string, (c: ApiClient) => Promise<unknown>]> = [
    ["sizes", "sizes", (c) => c.sizes()],
    ["size", "size", (c) => c.size(QueueItemStage.WAITING)],
    ["lookupStatus", "status", (c) => c.lookupStatus("a")],
    ["lookupItem", "lookup_item", (c) => c.lookupItem("a")],
    ["lookupState", "lookup_state", (c) => c.lookupState(QueueItemStage.WAITING)],
    ["lookupState page", "lookup_state_page", (c) => c.lookupState(QueueItemStage.WAITING, { limit: 2 })],
    ["description", "describe", (c) => c.description()],
    ["peek", "peek", (c) => c.peek(2)],
    ["history", "history", (c) => c.history("a")],
    ["listQueues", "queues", (c) => c.listQueues()],
    ["controllerStatus", "controller", (c) => c.controllerStatus()],
  ];

  it.each(reads)("%s: the lost answer is asked for again", async (_name, operation, call) => {
    await expect(call(client)).resolves.toBeDefined();
    expect(seen.filter((o) => o === operation)).toHaveLength(2);
  });

  it("get: the lost answer is reported, not asked for again (that would take more items)", async () => {
    await expect(client.get(2)).rejects.toBeInstanceOf(QueueUnavailable);
    expect(seen.filter((o) => o === "get")).toHaveLength(1);
    // The two items the server handed out are in PROCESSING, and only those: nothing else was taken.
    expect(await client.sizes()).toEqual({ WAITING: 3, PROCESSING: 2, SUCCESS: 0, FAIL: 0 });
    // The next get is a new call, answered normally.
    expect(await client.get(1)).toHaveLength(1);
  });

  it("moves are sent once too", async () => {
    await expect(client.put({ f: 6 })).rejects.toBeInstanceOf(QueueUnavailable);
    expect(seen.filter((o) => o === "put_detailed")).toHaveLength(1);
    expect(await client.lookupStatus("f")).toBe(QueueItemStage.WAITING);
  });
});
