import {
  CallbackDeliverer,
  type CallbackPayload,
  InMemoryQueueNamespace,
  type QueueWithCallbacks,
} from "@task-queue/queue-core";
import {
  type CallbackReceiver,
  recordingLogger,
  startCallbackReceiver,
} from "@task-queue/queue-core/testing";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, verifyCallbackSignature } from "../src/index.js";

/**
 * Completion callbacks end to end, through the CallbackDeliverer, to a real HTTP receiver on 127.0.0.1, verified
 * with the helper receivers import from this package. The SQL cases run on PostgreSQL with two deliverers at once
 * (two processes' worth), so claims are shared as they are between server processes.
 */

const SECRET = "whsec-test-0123456789abcdef";
const FAST = { baseSeconds: 0.05, maxSeconds: 0.4 };

let receiver: CallbackReceiver;
beforeEach(async () => {
  receiver = await startCallbackReceiver();
});
afterEach(async () => {
  await receiver.close();
});

async function finish(queue: QueueWithCallbacks, ids: string[], url: string): Promise<void> {
  await queue.putJobs(ids.map((id) => ({ id, body: { id }, notifyUrl: url })));
  await queue.getJobs(ids.length);
  for (const id of ids) await queue.success(id, { result: { done: id } });
}

describe("callbacks from an in-memory queue", () => {
  it("POSTs the payload signed with the queue's secret; the exported helper verifies it and refuses tampering", async () => {
    const namespace = new InMemoryQueueNamespace();
    const queue = namespace.queue("jobs");
    await queue.setCallbackSettings({ secret: SECRET });
    const deliverer = new CallbackDeliverer({ outbox: namespace.callbackOutbox, pollMs: 20 });
    deliverer.start();
    try {
      await finish(queue, ["a"], receiver.url());
      await receiver.waitFor(() => receiver.delivered().size === 1);
    } finally {
      await deliverer.stop();
    }
    const [request] = [...receiver.delivered().values()];
    expect(request!.path).toBe("/callback");
    const payload = JSON.parse(request!.body) as CallbackPayload;
    expect(Object.keys(payload)).toEqual(["queue", "item_id", "stage", "attempts", "result", "finished_at"]);
    expect(payload).toMatchObject({
      queue: "jobs",
      item_id: "a",
      stage: "SUCCESS",
      attempts: 1,
      result: { done: "a" },
    });
    expect(request!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const check = (body: string, header = request!.signature, secret = SECRET, now?: number) =>
      verifyCallbackSignature({ secret, body, header, ...(now === undefined ? {} : { now }) });
    expect(await check(request!.body)).toBe(true);
    expect(await check(request!.body.replace('"a"', '"b"'))).toBe(false);
    expect(await check(request!.body, request!.signature, "another-secret-0123456789")).toBe(false);
    expect(await check(request!.body, null)).toBe(false);
    // Outside the tolerance window (300 s by default) a correct signature is refused: a replay.
    expect(await check(request!.body, request!.signature, SECRET, Date.now() + 301_000)).toBe(false);
    expect(await queue.callbacks()).toEqual([]);
    expect(SIGNATURE_HEADER).toBe("X-Task-Queue-Signature");
    expect(DELIVERY_ID_HEADER).toBe("X-Task-Queue-Delivery");
  });

  it("does not follow redirects, refuses hosts outside the allow-list and times out a silent receiver", async () => {
    const namespace = new InMemoryQueueNamespace();
    const queue = namespace.queue("safety");
    const logger = recordingLogger();
    const deliverer = new CallbackDeliverer({
      outbox: namespace.callbackOutbox,
      logger,
      allowedHosts: ["127.0.0.1"],
      timeoutSeconds: 0.5,
      // No retries: each case's one try is what it checks.
      horizonSeconds: 0,
    });
    receiver.respondWith(302);
    await finish(queue, ["redirected"], receiver.url());
    await deliverer.deliverDue();
    receiver.respondWith("hang");
    await finish(queue, ["hung"], receiver.url());
    await deliverer.deliverDue();
    await finish(queue, ["elsewhere"], "http://localhost:9/x");
    expect(await deliverer.deliverDue()).toBe(1);
    expect(await deliverer.deliverDue()).toBe(0);
    expect(receiver.received.filter((request) => request.path === "/redirected")).toEqual([]);
    const failed = new Map((await queue.callbacks({ status: "failed" })).map((c) => [c.itemId, c.lastError]));
    expect(failed.get("redirected")).toMatch(/HTTP 302: redirects are not followed/);
    expect(failed.get("hung")).toMatch(/no answer within 0.5 s/);
    expect(failed.get("elsewhere")).toMatch(/host localhost is not in the callback allow-list/);
    expect(receiver.received.filter((request) => request.path !== "/callback")).toEqual([]);
    // Each failure is logged at warn about its item: queue and item_id, as every log line about an item.
    const warned = logger.records.filter((r) => r.level === "warn" && r.msg === "callback not delivered");
    expect(warned.map((r) => [r.obj.queue, r.obj.item_id]).sort()).toEqual([
      ["safety", "elsewhere"],
      ["safety", "hung"],
      ["safety", "redirected"],
    ]);
  });
});

describe("callbacks from SqlQueue on PostgreSQL, two deliverers", () => {
  const table = randomTableName("tq_cb");
  let url: string;
  let namespace: SqlQueueNamespace;

  beforeAll(async () => {
    url = await testDatabaseUrl();
    namespace = await SqlQueueNamespace.open({ connection: url, tableName: table });
  });
  afterAll(async () => {
    await namespace?.close();
    if (url) await dropQueueTable(url, table);
  });

  const deliverers = (options: { horizonSeconds?: number } = {}) =>
    [1, 2].map(
      () =>
        new CallbackDeliverer({
          outbox: namespace.callbackOutbox,
          pollMs: 50,
          backoff: FAST,
          timeoutSeconds: 2,
          ...options,
        }),
    );

  it("receiver down → retries → receiver up → each transition delivered exactly once (de-duplicated by delivery id)", async () => {
    const queue = namespace.queue("down-up");
    await queue.setCallbackSettings({ secret: SECRET, url: receiver.url("/default") });
    await receiver.down();
    const ids = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    await finish(queue, ids, receiver.url());
    // One item twice: failed, requeued, failed again — two transitions, two callbacks to the queue's URL.
    await queue.put({ twice: 1 });
    await queue.get(1);
    await queue.fail("twice", { reason: "first" });
    await queue.requeue("twice");
    await queue.get(1);
    await queue.fail("twice", { reason: "second" });
    const pair = deliverers();
    for (const deliverer of pair) deliverer.start();
    try {
      // Tries fail while the receiver is down: each pending callback shows the connection error.
      await waitUntil(async () =>
        (await queue.callbacks({ status: "pending" })).every((c) => c.attempts >= 2 && c.lastError !== null),
      );
      expect(receiver.received).toEqual([]);
      await receiver.up();
      await receiver.waitFor(() => receiver.delivered().size === 22);
      await waitUntil(async () => (await queue.callbacks()).length === 0);
    } finally {
      for (const deliverer of pair) await deliverer.stop();
    }
    const delivered = [...receiver.delivered().values()];
    expect(delivered).toHaveLength(22);
    const payloads = delivered.map((request) => JSON.parse(request.body) as CallbackPayload);
    expect(
      payloads
        .filter((p) => p.item_id === "twice")
        .map((p) => p.last_error)
        .sort(),
    ).toEqual(["first", "second"]);
    expect(new Set(payloads.filter((p) => p.item_id !== "twice").map((p) => p.item_id))).toEqual(
      new Set(ids),
    );
    expect(delivered.filter((request) => request.path === "/default")).toHaveLength(2);
    for (const request of delivered)
      expect(
        await verifyCallbackSignature({ secret: SECRET, body: request.body, header: request.signature }),
      ).toBe(true);
    // Nothing was sent twice: the two deliverers' claims never overlapped.
    expect(receiver.received).toHaveLength(22);
  });

  it("keeps a callback that keeps failing past the horizon with its last error; re-send delivers it", async () => {
    const queue = namespace.queue("horizon");
    receiver.respondWith(500);
    await finish(queue, ["stubborn"], receiver.url());
    const pair = deliverers({ horizonSeconds: 0.5 });
    for (const deliverer of pair) deliverer.start();
    try {
      await waitUntil(async () => (await queue.callbacks({ status: "failed" })).length === 1);
      const [failed] = await queue.callbacks({ status: "failed" });
      expect(failed).toMatchObject({ itemId: "stubborn", lastError: "HTTP 500", nextAttemptAt: null });
      expect(failed!.attempts).toBeGreaterThanOrEqual(2);
      const tries = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received.length).toBe(tries);
      receiver.respondWith(204);
      expect(await queue.resendCallbacks([failed!.deliveryId])).toEqual({
        resent: [failed!.deliveryId],
        notFound: [],
      });
      await receiver.waitFor(() => receiver.delivered().size === 1);
      await waitUntil(async () => (await queue.callbacks()).length === 0);
      expect(receiver.delivered().get(failed!.deliveryId)).toBeDefined();
    } finally {
      for (const deliverer of pair) await deliverer.stop();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
