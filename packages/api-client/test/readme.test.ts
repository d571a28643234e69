import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "@task-queue/api-server";
import { serveOnLoopback } from "@task-queue/api-server/testing";
import { CallbackDeliverer, InMemoryQueueNamespace, QueueItemStage } from "@task-queue/queue-core";
import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { expect, it, vi } from "vitest";

const example = (name: string): URL => new URL(`./readme/${name}`, import.meta.url);
const TOKEN = "readme-token-0123456789";
const SECRET = "readme-secret-0123456789";

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

// The client examples run against a real API server on loopback (in-memory queues, the token checked): its URL
// and token replace the README's.
it("the usage example runs against a real server", async () => {
  const queues = new InMemoryQueueNamespace();
  const server = await serveOnLoopback(createApp({ queues, auth: { token: TOKEN } }));
  try {
    const { logs } = await runExample(example("usage.ts"), [
      ["http://127.0.0.1:8000", server.baseUrl],
      ['token: "…"', `token: "${TOKEN}"`],
    ]);
    expect(logs.length).toBe(2);
    expect(logs[0]).toEqual([
      { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 }, // thumbnails
      [
        {
          name: "default",
          sizes: { WAITING: 0, PROCESSING: 0, SUCCESS: 1, FAIL: 0 },
          paused: false,
          controller: null,
        },
      ],
    ]);
    expect(logs[1]?.[0]).toMatchObject({
      itemId: "job-2",
      stage: "SUCCESS",
      attempts: 1,
      result: { frames: 12 },
    });
    expect(await queues.queue("renders").sizes()).toMatchObject({ WAITING: 1 });
    expect(await queues.queue("default").lookupStatus("job-1")).toBe(
      await queues.queue("default").lookupStatus("job-2"),
    );
  } finally {
    await server.close();
  }
});

it("the nodeFetch example runs against a real server", async () => {
  const queues = new InMemoryQueueNamespace();
  const server = await serveOnLoopback(createApp({ queues }));
  try {
    const { logs } = await runExample(example("node-fetch.ts"), [["http://127.0.0.1:8000", server.baseUrl]]);
    expect(logs).toEqual([[{ WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 }]]);
    expect(await queues.queue("default").lookupStatus("job-1")).toBe(QueueItemStage.WAITING);
  } finally {
    await server.close();
  }
});

it("the root README's client example runs against a real server", async () => {
  const queues = new InMemoryQueueNamespace();
  const server = await serveOnLoopback(createApp({ queues, auth: { token: TOKEN } }));
  try {
    const { logs } = await runExample(example("root.ts"), [
      ["http://127.0.0.1:8080", server.baseUrl],
      ["process.env.TASK_QUEUE_TOKEN", `"${TOKEN}"`],
    ]);
    expect(logs).toEqual([[{ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 }]]);
    expect(await queues.queue("default").sizes()).toMatchObject({ SUCCESS: 2 });
  } finally {
    await server.close();
  }
});

// The receiver listens on a free loopback port instead of 8081, its secret is given instead of read from the
// environment, and it is exported so the test can close it. It logs when a delivery arrives, after runExample
// returned, so the test watches console.log itself.
it("the receiver verifies a real delivery, acts once per delivery id and refuses a forgery", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const { exports } = await runExample(example("receiver.ts"), [
    ["process.env.CALLBACK_SECRET!", `"${SECRET}"`],
    ["server.listen(8081);", 'server.listen(0, "127.0.0.1");\nexport { server };'],
  ]);
  const server = exports.server as Server;
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
  try {
    const namespace = new InMemoryQueueNamespace();
    const queue = namespace.queue("renders");
    await queue.setCallbackSettings({ secret: SECRET });
    await queue.putJobs([{ id: "frame-1", body: {}, notifyUrl: url }]);
    await queue.get(1);
    await queue.fail("frame-1", { reason: "out of memory" });
    const deliverer = new CallbackDeliverer({ outbox: namespace.callbackOutbox });
    expect(await deliverer.deliverDue()).toBe(1);
    expect(await queue.callbacks()).toEqual([]);
    expect(log.mock.calls).toEqual([["frame-1", "FAIL"]]);
    const forged = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ item_id: "frame-1", stage: "FAIL" }),
      headers: { "x-task-queue-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
    });
    expect(forged.status).toBe(401);
    expect(log).toHaveBeenCalledTimes(1);
  } finally {
    log.mockRestore();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
