import { createApp } from "@task-queue/api-server";
import { type Served, serveOnLoopback } from "@task-queue/api-server/testing";
import { InMemoryQueueNamespace, LeaseLost } from "@task-queue/queue-core";
import { WaitObservedQueue } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../src/index.js";
import { nodeFetch } from "../src/node-fetch.js";

describe("ApiClient lifecycle over HTTP", () => {
  let server: Served;
  let queues: InMemoryQueueNamespace;
  beforeAll(async () => {
    queues = new InMemoryQueueNamespace();
    server = await serveOnLoopback(createApp({ queues }));
  });
  afterAll(() => server.close());

  it("409 LEASE_LOST → LeaseLost with the item, the stale attempt and the current one", async () => {
    const client = new ApiClient({ baseUrl: server.baseUrl }).queue("fenced");
    await client.putJobs([{ id: "z", body: 1, maxAttempts: 2 }]);
    await client.getJobs(1);
    await client.fail("z", { attempt: 1, retryDelaySeconds: 0 });
    await client.getJobs(1);
    await expect(client.success("z", { attempt: 1 })).rejects.toSatisfy(
      (e) =>
        e instanceof LeaseLost &&
        e.itemId === "z" &&
        e.attempt === 1 &&
        e.currentAttempt === 2 &&
        /attempt 1 of item "z" no longer holds it: the item is on attempt 2/.test(e.message),
    );
    expect((await client.lookupRecord("z")).stage).toBe("PROCESSING");
  });
});

// With either fetch, an abort must close the request's connection: the server learns of it only that way.
describe.each([
  ["the global fetch", () => ({ fetch: globalThis.fetch, close() {} })],
  [
    "nodeFetch",
    () => {
      const fetch = nodeFetch();
      return { fetch, close: () => fetch.close() };
    },
  ],
])("ApiClient getJobs with an abort signal (%s)", (_label, makeFetch) => {
  it("aborting a waiting getJobs answers [], ends the server's wait, and takes nothing", async () => {
    const queue = new WaitObservedQueue({ name: "held" });
    const server = await serveOnLoopback(
      createApp({
        queues: { queue: () => queue, listQueues: async () => ["held"], close: async () => {} },
      }),
    );
    const sender = makeFetch();
    try {
      const client = new ApiClient({ baseUrl: server.baseUrl, fetch: sender.fetch }).queue("held");
      const controller = new AbortController();
      const waiting = client.getJobs(3, { waitSeconds: 60, leaseSeconds: 60, signal: controller.signal });
      await queue.heldSince;
      controller.abort();
      expect(await waiting).toEqual([]);
      // The abort reached the server as a disconnect: its wait ended with nothing taken.
      // Well before the 60 s the server would otherwise wait (the suite's time limit is longer than that).
      const stillWaiting = new Promise<never>((_resolve, reject) => {
        setTimeout(
          () => reject(new Error("the server still waits: the abort never reached it")),
          20_000,
        ).unref();
      });
      expect(await Promise.race([queue.answered, stillWaiting])).toEqual([]);
      await queue.put({ after: 1 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(await client.sizes()).toEqual({ WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
    } finally {
      sender.close();
      await server.close();
    }
  });
});
