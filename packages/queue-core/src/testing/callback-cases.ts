import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { type CallbackRecord, hasCallbacks, type QueueWithCallbacks } from "../callbacks.js";
import { InvalidArgument, InvalidItem } from "../errors.js";
import type { Queue } from "../queue.js";
import type { ConformanceCase } from "./cases.js";

/** Completion callbacks: which moves record one, with what payload, and the queue's callback settings. */

const URL_A = "http://127.0.0.1:9/a";
const URL_B = "https://127.0.0.1:9/b";

function withCallbacks(queue: Queue): QueueWithCallbacks {
  assert.ok(hasCallbacks(queue), "the queue declares callbacks but has no callback methods");
  return queue;
}

async function byItem(queue: QueueWithCallbacks): Promise<Map<string, CallbackRecord[]>> {
  const out = new Map<string, CallbackRecord[]>();
  for (const record of await queue.callbacks({ limit: 1000 })) {
    out.set(record.itemId, [...(out.get(record.itemId) ?? []), record]);
  }
  return out;
}

export const callbackCases: ConformanceCase[] = [
  {
    name: "callbacks: success, final fail, cancel and an expired lease record one callback each; a retry none",
    requires: "callbacks",
    async run(plain) {
      const queue = withCallbacks(plain);
      await queue.putJobs([
        // Priority 1: the retried item comes back ahead of the others.
        { id: "ok", body: 1, notifyUrl: URL_A, priority: 1 },
        { id: "bad", body: 2, notifyUrl: URL_A, maxAttempts: 2, priority: 1 },
        { id: "cancelled", body: 3, notifyUrl: URL_B },
        { id: "leased", body: 4, notifyUrl: URL_A },
        { id: "silent", body: 5 },
      ]);
      const jobs = await queue.getJobs(2);
      assert.deepEqual(
        jobs.map((job) => job.itemId),
        ["ok", "bad"],
      );
      await queue.success("ok", { attempt: 1, result: { answer: 42 } });
      assert.equal(await queue.fail("bad", { attempt: 1, reason: "first" }), "WAITING");
      assert.equal((await byItem(queue)).has("bad"), false, "a retry records no callback");
      await queue.cancel("cancelled", "not needed");
      await queue.retryNow(["bad"]);
      const again = await queue.getJobs(1);
      assert.equal(again[0]?.itemId, "bad");
      await queue.fail("bad", { attempt: 2, reason: "second" });
      await queue.getJobs(1, { leaseSeconds: 1 });
      await sleep(1_300);
      await queue.rescueExpired();
      await queue.getJobs(1);
      await queue.success("silent");

      const recorded = await byItem(queue);
      assert.deepEqual([...recorded.keys()].sort(), ["bad", "cancelled", "leased", "ok"]);
      const one = (id: string): CallbackRecord => {
        const list = recorded.get(id)!;
        assert.equal(list.length, 1, `${id}: one callback`);
        return list[0]!;
      };
      const ok = one("ok");
      assert.equal(ok.url, URL_A);
      assert.equal(ok.queue, ok.payload.queue);
      assert.equal(ok.nextAttemptAt === null, false, "a new callback is pending");
      assert.equal(ok.attempts, 0);
      assert.equal(ok.lastError, null);
      const { finished_at: okAt, ...okRest } = ok.payload;
      assert.deepEqual(okRest, {
        queue: ok.queue,
        item_id: "ok",
        stage: "SUCCESS",
        attempts: 1,
        result: { answer: 42 },
      });
      assert.ok(Math.abs(Date.parse(okAt) - Date.now()) < 60_000, `finished_at ${okAt}`);
      const { finished_at: _b, ...bad } = one("bad").payload;
      assert.deepEqual(bad, {
        queue: ok.queue,
        item_id: "bad",
        stage: "FAIL",
        attempts: 2,
        last_error: "second",
      });
      const cancelled = one("cancelled");
      assert.equal(cancelled.url, URL_B);
      assert.equal(cancelled.payload.stage, "FAIL");
      assert.equal(cancelled.payload.attempts, 0);
      assert.equal(cancelled.payload.last_error, "not needed");
      assert.equal(one("leased").payload.last_error, "lease expired");
      const ids = [...recorded.values()].flat().map((record) => record.deliveryId);
      assert.equal(new Set(ids).size, ids.length, "delivery ids are distinct");
    },
  },
  {
    name: "callbacks: the queue's URL applies to items without their own; each transition has its own delivery id",
    requires: "callbacks",
    async run(plain) {
      const queue = withCallbacks(plain);
      assert.deepEqual(await queue.callbackSettings(), { url: null, hasSecret: false });
      assert.deepEqual(await queue.setCallbackSettings({ url: URL_B, secret: "s".repeat(32) }), {
        url: URL_B,
        hasSecret: true,
      });
      // An omitted field keeps its value; the secret is never read back.
      assert.deepEqual(await queue.setCallbackSettings({ url: URL_A }), { url: URL_A, hasSecret: true });
      assert.equal(JSON.stringify(await queue.callbackSettings()).includes("sss"), false);
      await queue.putJobs([
        { id: "default", body: 1 },
        { id: "own", body: 2, notifyUrl: URL_B },
      ]);
      await queue.put({ legacy: 3 });
      await queue.get(3);
      await queue.fail("default");
      await queue.success("own");
      await queue.success("legacy");
      await queue.requeue(["default"]);
      await queue.get(1);
      await queue.fail("default", { reason: "again" });
      const recorded = await byItem(queue);
      assert.deepEqual(
        recorded.get("default")?.map((record) => [record.url, record.payload.last_error ?? null]),
        [
          [URL_A, null],
          [URL_A, "again"],
        ],
      );
      assert.equal(recorded.get("own")?.[0]?.url, URL_B);
      assert.equal(recorded.get("legacy")?.[0]?.url, URL_A);
      const [first, second] = recorded.get("default")!;
      assert.notEqual(first!.deliveryId, second!.deliveryId);

      await queue.setCallbackSettings({ url: null, secret: null });
      assert.deepEqual(await queue.callbackSettings(), { url: null, hasSecret: false });
      await queue.put({ after: 4 });
      await queue.get(1);
      await queue.success("after");
      assert.equal((await byItem(queue)).has("after"), false, "no URL: no callback");
    },
  },
  {
    name: "callbacks: bad URLs and secrets are refused, naming the problem, and change nothing",
    requires: "callbacks",
    async run(plain) {
      const queue = withCallbacks(plain);
      for (const [url, problem] of [
        ["ftp://127.0.0.1/x", /http or https/],
        ["not a url", /absolute/],
        [`http://127.0.0.1/${"x".repeat(2100)}`, /at most 2048/],
        ["http://user:pw@127.0.0.1/", /credentials/],
      ] as const) {
        await assert.rejects(
          queue.putJobs([
            { id: "fine", body: 1 },
            { id: "wrong", body: 2, notifyUrl: url },
          ]),
          (error: unknown) => error instanceof InvalidItem && problem.test(error.message),
        );
        await assert.rejects(
          queue.setCallbackSettings({ url }),
          (error: unknown) => error instanceof InvalidArgument && problem.test(error.message),
        );
      }
      const secret = "too-short";
      await assert.rejects(
        queue.setCallbackSettings({ secret }),
        (error: unknown) => error instanceof InvalidArgument && !error.message.includes(secret),
      );
      assert.deepEqual(await queue.sizes(), { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      assert.deepEqual(await queue.callbackSettings(), { url: null, hasSecret: false });
    },
  },
  {
    name: "callbacks: listing filters by status; re-send names unknown delivery ids",
    requires: "callbacks",
    async run(plain) {
      const queue = withCallbacks(plain);
      await queue.putJobs([{ id: "a", body: 1, notifyUrl: URL_A }]);
      await queue.get(1);
      await queue.success("a");
      const [record] = await queue.callbacks({ status: "pending" });
      assert.ok(record);
      assert.deepEqual(await queue.callbacks({ status: "failed" }), []);
      assert.deepEqual(await queue.resendCallbacks([record.deliveryId, "no-such-delivery"]), {
        resent: [record.deliveryId],
        notFound: ["no-such-delivery"],
      });
      await assert.rejects(queue.callbacks({ limit: 0 }), InvalidArgument);
      await assert.rejects(queue.callbacks({ status: "odd" as "all" }), InvalidArgument);
    },
  },
];
