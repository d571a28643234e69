import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidArgument, InvalidItem, InvalidTransition, ItemNotFound, LeaseLost } from "../errors.js";
import { LEASE_EXPIRED_REASON, MAX_REASON_BYTES, MAX_RESULT_BYTES } from "../lifecycle.js";
import { observeQueue, type QueueEvent } from "../observe.js";
import type { Queue } from "../queue.js";
import { QueueItemStage } from "../stage.js";
import type { ConformanceCase } from "./cases.js";
import { rejects } from "./rejects.js";

/**
 * The job lifecycle (attempts, leases, fencing, retries, priorities, delays, cancel, delete), specified once for
 * every backend. Time-based cases use short leases and explicit retry delays and then wait for the effect with
 * getJobs' waitSeconds, so a slow machine makes them slower, never wrong.
 */

async function stageOf(queue: Queue, id: string) {
  return (await queue.lookupRecord(id)).stage;
}

/** Waits (polling rescueExpired) until the lease of `id` has expired and been rescued. */
async function untilRescued(queue: Queue, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await queue.rescueExpired();
    const record = await queue.lookupRecord(id);
    if (record.stage !== "PROCESSING") return;
    await sleep(50);
  }
  assert.fail(`the lease of ${id} never expired`);
}

export const lifecycleCases: ConformanceCase[] = [
  {
    name: "lifecycle: put_jobs stores each item's options and lookupRecord shows every field",
    async run(queue) {
      const before = Date.now();
      const put = await queue.putJobs([
        { id: "plain", body: { a: 1 } },
        // Priority is stored and shown too; checked by the priority case, which only backends declaring it run.
        { id: "tuned", body: [1], maxAttempts: 3 },
      ]);
      assert.deepEqual(put, { added: ["plain", "tuned"], skipped: [] });
      const plain = await queue.lookupRecord("plain");
      assert.equal(plain.itemId, "plain");
      assert.equal(plain.stage, "WAITING");
      assert.deepEqual(plain.body, { a: 1 });
      assert.equal(plain.attempts, 0);
      assert.equal(plain.maxAttempts, 1);
      assert.equal(plain.priority, 0);
      assert.equal(plain.runAfter, null);
      assert.equal(plain.leaseExpiresAt, null);
      assert.equal(plain.lastError, null);
      assert.equal(plain.result, null);
      assert.ok(plain.createdAt instanceof Date && plain.updatedAt instanceof Date);
      // Clocks of a database server and this process may differ by a little.
      assert.ok(Math.abs(plain.createdAt.getTime() - before) < 60_000, "createdAt is about now");
      assert.ok(plain.updatedAt.getTime() >= plain.createdAt.getTime());
      const tuned = await queue.lookupRecord("tuned");
      assert.equal(tuned.maxAttempts, 3);
      assert.equal(tuned.priority, 0);
      assert.deepEqual((await queue.putJobs([{ id: "plain", body: 2 }])).skipped, ["plain"]);
      await rejects(queue.lookupRecord("nope"), ItemNotFound);
    },
  },
  {
    name: "lifecycle: legacy put, get and fail keep today's behaviour (one attempt, no lease, failure final)",
    async run(queue) {
      await queue.put({ a: 1, b: 2 });
      assert.deepEqual(await queue.get(2), [
        ["a", 1],
        ["b", 2],
      ]);
      const a = await queue.lookupRecord("a");
      assert.equal(a.attempts, 1);
      assert.equal(a.leaseExpiresAt, null);
      assert.equal(await queue.fail("a"), "FAIL");
      assert.equal((await queue.lookupRecord("a")).lastError, null);
      assert.equal(await queue.fail("b", { reason: "disk full" }), "FAIL");
      const b = await queue.lookupRecord("b");
      assert.equal(b.stage, "FAIL");
      assert.equal(b.lastError, "disk full");
    },
  },
  {
    name: "lifecycle: getJobs returns the attempt number and the lease expiry",
    async run(queue) {
      await queue.put({ free: 1, leased: 2 });
      const [free] = await queue.getJobs(1);
      assert.deepEqual(free, { itemId: "free", body: 1, attempt: 1, leaseExpiresAt: null });
      const before = Date.now();
      const [leased] = await queue.getJobs(1, { leaseSeconds: 600 });
      assert.equal(leased!.itemId, "leased");
      assert.equal(leased!.attempt, 1);
      const expires = leased!.leaseExpiresAt!.getTime();
      assert.ok(Math.abs(expires - (before + 600_000)) < 60_000, "lease expiry is about now + 600 s");
      const record = await queue.lookupRecord("leased");
      assert.equal(record.leaseExpiresAt?.getTime(), expires);
    },
  },
  {
    name: "lifecycle: a failure retries while attempts remain, then is final with last_error",
    async run(queue) {
      await queue.putJobs([{ id: "r", body: {}, maxAttempts: 3 }]);
      for (const attempt of [1, 2]) {
        const [job] = await queue.getJobs(1);
        assert.equal(job?.attempt, attempt);
        assert.equal(
          await queue.fail("r", { attempt, reason: `boom ${attempt}`, retryDelaySeconds: 0 }),
          "WAITING",
        );
        const record = await queue.lookupRecord("r");
        assert.equal(record.stage, "WAITING");
        assert.equal(record.attempts, attempt);
        assert.equal(record.lastError, `boom ${attempt}`);
      }
      const [third] = await queue.getJobs(1);
      assert.equal(third?.attempt, 3);
      assert.equal(await queue.fail("r", { attempt: 3, reason: "boom 3" }), "FAIL");
      const record = await queue.lookupRecord("r");
      assert.equal(record.stage, "FAIL");
      assert.equal(record.attempts, 3);
      assert.equal(record.lastError, "boom 3");
      assert.deepEqual(await queue.sizes(), { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 1 });
    },
  },
  {
    name: "lifecycle: a retry waits for its backoff before it is handed out again",
    requires: "delay",
    async run(queue) {
      await queue.putJobs([{ id: "slow", body: 1, maxAttempts: 2 }]);
      await queue.getJobs(1);
      assert.equal(await queue.fail("slow", { retryDelaySeconds: 1.5 }), "WAITING");
      const record = await queue.lookupRecord("slow");
      assert.ok(record.runAfter !== null && record.runAfter.getTime() > Date.now() - 60_000);
      assert.deepEqual(await queue.getJobs(1), [], "not handed out during its backoff");
      assert.deepEqual(await queue.peek(1), [], "peek agrees with get");
      const [again] = await queue.getJobs(1, { waitSeconds: 30 });
      assert.equal(again?.itemId, "slow");
      assert.equal(again?.attempt, 2);
    },
  },
  {
    name: "lifecycle: the queue's own backoff applies when fail names no delay",
    requires: "delay",
    async run(queue) {
      await queue.putJobs([{ id: "b", body: 1, maxAttempts: 2 }]);
      await queue.getJobs(1);
      const before = Date.now();
      assert.equal(await queue.fail("b", { reason: "x" }), "WAITING");
      const record = await queue.lookupRecord("b");
      // Full jitter may pick a delay of (almost) nothing; when it picked one, it is in the future.
      if (record.runAfter !== null) assert.ok(record.runAfter.getTime() >= before - 60_000);
      const [again] = await queue.getJobs(1, { waitSeconds: 30 });
      assert.equal(again?.attempt, 2);
    },
  },
  {
    name: "lifecycle: higher priority first, FIFO within a priority",
    requires: "priority",
    async run(queue) {
      await queue.putJobs([
        { id: "low-1", body: 0, priority: -1 },
        { id: "mid-1", body: 0 },
        { id: "high-1", body: 0, priority: 10 },
        { id: "mid-2", body: 0, priority: 0 },
        { id: "high-2", body: 0, priority: 10 },
        { id: "low-2", body: 0, priority: -1 },
      ]);
      assert.deepEqual(
        (await queue.peek(6)).map(([id]) => id),
        ["high-1", "high-2", "mid-1", "mid-2", "low-1", "low-2"],
      );
      assert.equal((await queue.lookupRecord("high-1")).priority, 10);
      assert.equal((await queue.lookupRecord("low-2")).priority, -1);
      assert.deepEqual(
        (await queue.get(3)).map(([id]) => id),
        ["high-1", "high-2", "mid-1"],
      );
      await queue.put({ "mid-3": 0 });
      assert.deepEqual(
        (await queue.get(10)).map(([id]) => id),
        ["mid-2", "mid-3", "low-1", "low-2"],
      );
    },
  },
  {
    name: "lifecycle: a delayed item is not handed out before its time, and retryNow releases it at once",
    requires: "delay",
    async run(queue) {
      await queue.putJobs([
        { id: "later", body: 1, delaySeconds: 1 },
        { id: "much-later", body: 2, delaySeconds: 3600 },
        { id: "past", body: 3, runAfter: new Date(Date.now() - 60_000) },
      ]);
      assert.deepEqual(await queue.get(10), [["past", 3]]);
      assert.equal((await queue.lookupRecord("much-later")).runAfter !== null, true);
      const [later] = await queue.getJobs(10, { waitSeconds: 30 });
      assert.equal(later?.itemId, "later");
      assert.deepEqual(await queue.get(10), []);
      const retried = await queue.retryNow(["much-later", "later", "ghost"]);
      assert.deepEqual(retried.moved, ["much-later"]);
      assert.deepEqual(retried.skipped, [
        { id: "later", reason: "WRONG_STAGE", stage: "PROCESSING" },
        { id: "ghost", reason: "NOT_FOUND" },
      ]);
      assert.deepEqual(await queue.get(10), [["much-later", 2]]);
    },
  },
  {
    name: "lifecycle: an expired lease hands the item out again with attempt + 1, and fences the old attempt",
    slow: true,
    async run(queue) {
      await queue.putJobs([{ id: "z", body: { n: 1 }, maxAttempts: 3 }]);
      const [first] = await queue.getJobs(1, { leaseSeconds: 0.3 });
      assert.equal(first?.attempt, 1);
      await sleep(400);
      // Rescue is part of the claim: no sweep needs to run for the item to come back (after its backoff).
      const [second] = await queue.getJobs(1, { leaseSeconds: 600, waitSeconds: 30 });
      assert.equal(second?.itemId, "z");
      assert.equal(second?.attempt, 2);
      assert.equal((await queue.lookupRecord("z")).lastError, LEASE_EXPIRED_REASON);
      // The zombie holding attempt 1 can change nothing.
      await rejects(queue.success("z", { attempt: 1 }), LeaseLost);
      await rejects(queue.fail("z", { attempt: 1, reason: "late" }), LeaseLost);
      await rejects(queue.extend("z", { attempt: 1, leaseSeconds: 60 }), LeaseLost);
      const during = await queue.lookupRecord("z");
      assert.equal(during.stage, "PROCESSING");
      assert.equal(during.attempts, 2);
      assert.equal(during.lastError, LEASE_EXPIRED_REASON);
      const batch = await queue.successMany([{ id: "z", attempt: 1 }]);
      assert.deepEqual(batch, { moved: [], skipped: [{ id: "z", reason: "LEASE_LOST" }] });
      await queue.success("z", { attempt: 2, result: { ok: true } });
      const done = await queue.lookupRecord("z");
      assert.equal(done.stage, "SUCCESS");
      assert.deepEqual(done.result, { ok: true });
      assert.equal(done.leaseExpiresAt, null);
    },
  },
  {
    name: "lifecycle: each rescue of an expired lease is told once to an observer, also one a get made on its own",
    requires: "rescueReports",
    slow: true,
    async run(queue) {
      const events: QueueEvent[] = [];
      const observer = { observe: (event: QueueEvent) => events.push(event) };
      const observed = observeQueue(queue, "observed", observer);
      // The same observer registered again (an API and a sweep over one namespace) is told each rescue once.
      observeQueue(queue, "observed", observer);
      await observed.putJobs([
        { id: "r", body: 1, maxAttempts: 2 },
        { id: "f", body: 2 },
      ]);
      assert.equal((await observed.getJobs(2, { leaseSeconds: 0.3 })).length, 2);
      await sleep(400);
      // No sweep and no rescueExpired: the claim itself rescues both, and hands r out again after its backoff.
      const [second] = await observed.getJobs(1, { leaseSeconds: 600, waitSeconds: 30 });
      assert.equal(second?.itemId, "r");
      assert.equal(second?.attempt, 2);
      // Reads and an explicit rescue afterwards find nothing left to rescue, and tell nothing.
      await observed.sizes();
      assert.deepEqual(await observed.rescueExpired(), { retried: [], failed: [] });
      const told = (kind: QueueEvent["kind"]) =>
        events
          .filter((event) => event.kind === kind)
          .flatMap((event) => event.ids)
          .sort();
      assert.deepEqual(told("leaseExpired"), ["f", "r"]);
      assert.deepEqual(told("retried"), ["r"]);
      assert.deepEqual(told("failed"), ["f"]);
      assert.deepEqual(told("handedOut"), ["f", "r", "r"]);
      assert.equal((await queue.lookupRecord("f")).lastError, LEASE_EXPIRED_REASON);
      assert.equal(new Set(events.filter((e) => e.kind === "leaseExpired").map((e) => e.queue)).size, 1);
    },
  },
  {
    name: "lifecycle: an expired lease with no attempts left ends in FAIL with reason 'lease expired'",
    async run(queue) {
      await queue.put({ once: 1 });
      await queue.getJobs(1, { leaseSeconds: 0.2 });
      await untilRescued(queue, "once");
      const record = await queue.lookupRecord("once");
      assert.equal(record.stage, "FAIL");
      assert.equal(record.lastError, LEASE_EXPIRED_REASON);
      assert.deepEqual(await queue.sizes(), { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 1 });
      assert.deepEqual(await queue.rescueExpired(), { retried: [], failed: [] });
      await rejects(queue.success("once", { attempt: 1 }), InvalidTransition);
    },
  },
  {
    name: "lifecycle: extend keeps a lease alive; a stale or wrong attempt cannot extend",
    async run(queue) {
      await queue.put({ e: 1 });
      // The extend must arrive while the first lease holds: 3 s leaves room for a loaded machine and a slow store
      // (0.5 s ran out before the extend on moto, served one request at a time, in a full CI run).
      const [job] = await queue.getJobs(1, { leaseSeconds: 3 });
      const extended = await queue.extend("e", { attempt: job!.attempt, leaseSeconds: 600 });
      assert.ok(extended.getTime() > Date.now() + 300_000);
      assert.equal((await queue.lookupRecord("e")).leaseExpiresAt?.getTime(), extended.getTime());
      // Past the first lease: only the extension keeps the item from being rescued.
      await sleep(3_300);
      assert.deepEqual(await queue.rescueExpired(), { retried: [], failed: [] });
      await rejects(queue.extend("e", { attempt: 2, leaseSeconds: 10 }), LeaseLost);
      await rejects(queue.extend("e", { attempt: 1, leaseSeconds: 0 }), InvalidArgument);
      await rejects(queue.extend("ghost", { attempt: 1, leaseSeconds: 10 }), ItemNotFound);
      await queue.success("e", { attempt: 1 });
      await rejects(queue.extend("e", { attempt: 1, leaseSeconds: 10 }), InvalidTransition);
    },
  },
  {
    name: "lifecycle: cancel moves WAITING or PROCESSING to FAIL with the reason; other stages are refused",
    async run(queue) {
      // s is put after the get, so the case holds for backends that hand out in key order too (S3).
      await queue.put({ w: 1, p: 2 });
      await queue.get(2);
      await queue.put({ s: 3 });
      await queue.success("w");
      await queue.put({ w2: 4 });
      await queue.cancel("w2", "not needed");
      await queue.cancel("p");
      const w2 = await queue.lookupRecord("w2");
      assert.equal(w2.stage, "FAIL");
      assert.equal(w2.lastError, "not needed");
      const p = await queue.lookupRecord("p");
      assert.equal(p.stage, "FAIL");
      assert.equal(p.lastError, "cancelled");
      await rejects(queue.cancel("w"), InvalidTransition);
      await rejects(queue.cancel("p"), InvalidTransition);
      await rejects(queue.cancel("ghost"), ItemNotFound);
      await rejects(queue.success("p", { attempt: 1 }), InvalidTransition);
      assert.deepEqual(await queue.sizes(), { WAITING: 1, PROCESSING: 0, SUCCESS: 1, FAIL: 2 });
    },
  },
  {
    name: "lifecycle: delete removes WAITING, SUCCESS and FAIL items for good; PROCESSING is skipped",
    async run(queue) {
      await queue.put({ s: 1, f: 2, p: 3, w: 4 });
      await queue.get(3);
      await queue.success("s");
      await queue.fail("f");
      const result = await queue.delete(["s", "f", "p", "w", "ghost", "s"]);
      assert.deepEqual(result.deleted.slice().sort(), ["f", "s", "w"]);
      assert.deepEqual(result.skipped, [
        { id: "p", reason: "WRONG_STAGE", stage: "PROCESSING" },
        { id: "ghost", reason: "NOT_FOUND" },
      ]);
      assert.deepEqual(await queue.sizes(), { WAITING: 0, PROCESSING: 1, SUCCESS: 0, FAIL: 0 });
      await rejects(queue.lookupRecord("s"), ItemNotFound);
      assert.deepEqual((await queue.put({ s: "again" })).added, ["s"]);
      assert.equal((await queue.lookupRecord("s")).attempts, 0);
    },
  },
  {
    name: "lifecycle: requeue resets attempts and clears the delay",
    async run(queue) {
      await queue.putJobs([{ id: "q", body: 1, maxAttempts: 2 }]);
      await queue.getJobs(1);
      await queue.fail("q", { retryDelaySeconds: 0 });
      await queue.getJobs(1);
      assert.equal(await queue.fail("q", { reason: "twice" }), "FAIL");
      assert.deepEqual((await queue.requeue("q")).requeued, ["q"]);
      const record = await queue.lookupRecord("q");
      assert.equal(record.stage, "WAITING");
      assert.equal(record.attempts, 0);
      assert.equal(record.runAfter, null);
      const [job] = await queue.getJobs(1);
      assert.equal(job?.attempt, 1);
    },
  },
  {
    name: "lifecycle: successMany and failMany take attempts, results and reasons; stale attempts are skipped",
    async run(queue) {
      await queue.putJobs([
        { id: "a", body: 1 },
        { id: "b", body: 2, maxAttempts: 2 },
        { id: "c", body: 3 },
        { id: "d", body: 4 },
      ]);
      await queue.getJobs(4);
      const ok = await queue.successMany([
        { id: "a", attempt: 1, result: [1, 2] },
        "d",
        { id: "c", attempt: 7 },
      ]);
      assert.deepEqual(ok.moved, ["a", "d"]);
      assert.deepEqual(ok.skipped, [{ id: "c", reason: "LEASE_LOST" }]);
      assert.deepEqual((await queue.lookupRecord("a")).result, [1, 2]);
      const bad = await queue.failMany([
        { id: "b", attempt: 1, reason: "flaky", retryDelaySeconds: 0 },
        { id: "c", reason: "broken" },
        "a",
      ]);
      assert.deepEqual(bad.moved, ["b", "c"]);
      assert.deepEqual(bad.retried, ["b"]);
      assert.deepEqual(bad.skipped, [{ id: "a", reason: "WRONG_STAGE", stage: "SUCCESS" }]);
      assert.equal((await queue.lookupRecord("b")).lastError, "flaky");
      assert.equal((await queue.lookupRecord("b")).stage, "WAITING");
      assert.equal((await queue.lookupRecord("c")).lastError, "broken");
      assert.equal((await queue.lookupRecord("c")).stage, "FAIL");
    },
  },
  {
    name: "lifecycle: bad options are rejected whole and change nothing",
    async run(queue) {
      await queue.put({ keep: 1 });
      for (const bad of [
        { id: "x", body: 1, priority: 1.5 },
        { id: "x", body: 1, maxAttempts: 0 },
        { id: "x", body: 1, delaySeconds: -1 },
        { id: "x", body: 1, delaySeconds: 1, runAfter: new Date() },
      ]) {
        await rejects(queue.putJobs([{ id: "fine", body: 1 }, bad]), InvalidItem, (error) => {
          assert.deepEqual(
            error.problems.map((p) => p.id),
            ["x"],
          );
        });
      }
      await rejects(queue.getJobs(1, { leaseSeconds: -1 }), InvalidArgument);
      await rejects(queue.getJobs(1, { waitSeconds: 61 }), InvalidArgument);
      assert.deepEqual(await queue.sizes(), { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      await queue.get(1);
      await rejects(queue.success("keep", { result: "x".repeat(MAX_RESULT_BYTES) }), InvalidItem);
      assert.equal(await stageOf(queue, "keep"), "PROCESSING");
      await rejects(queue.success("keep", { attempt: 0 }), InvalidArgument);
      assert.equal(await stageOf(queue, "keep"), "PROCESSING");
      // A long reason is cut to the limit rather than refused: a worker's stderr must never fail the call.
      await queue.fail("keep", { reason: `${"é".repeat(MAX_REASON_BYTES)}end` });
      const reason = (await queue.lookupRecord("keep")).lastError!;
      assert.ok(Buffer.byteLength(reason, "utf8") <= MAX_REASON_BYTES);
      assert.ok(reason.startsWith("éé"));
      assert.equal(await stageOf(queue, "keep"), "FAIL");
    },
  },
  {
    name: "lifecycle: get with waitSeconds returns as soon as work arrives, and [] when none does",
    async run(queue) {
      assert.deepEqual(await queue.getJobs(1, { waitSeconds: 0.3 }), []);
      const waiting = queue.getJobs(2, { waitSeconds: 30 });
      await sleep(200);
      await queue.put({ arrived: 1 });
      const got = await waiting;
      assert.deepEqual(
        got.map((job) => job.itemId),
        ["arrived"],
      );
      assert.equal(await queue.size(QueueItemStage.PROCESSING), 1);
    },
  },
  {
    name: "lifecycle: concurrent consumers with leases complete every item exactly once",
    requires: "leaseRaces",
    slow: true,
    async run(queue) {
      const count = 200;
      await queue.putJobs(
        Array.from({ length: count }, (_, i) => ({
          id: `l${String(i).padStart(4, "0")}`,
          body: i,
          maxAttempts: 5,
        })),
      );
      const completed: string[] = [];
      const consumer = async (zombie: boolean) => {
        for (;;) {
          const jobs = await queue.getJobs(7, { leaseSeconds: zombie ? 0.05 : 60 });
          if (jobs.length === 0) {
            const sizes = await queue.sizes();
            if (sizes.WAITING === 0 && sizes.PROCESSING === 0) return;
            await sleep(20);
            continue;
          }
          if (zombie) await sleep(100); // its leases expire before it answers
          const result = await queue.successMany(
            jobs.map((job) => ({ id: job.itemId, attempt: job.attempt })),
          );
          completed.push(...result.moved);
          // A zombie's item is either held by a newer attempt (LEASE_LOST) or, rescued with no attempts left, FAIL on
          // the zombie's own attempt (WRONG_STAGE): never anything else.
          for (const skip of result.skipped)
            assert.ok(
              skip.reason === "LEASE_LOST" || (skip.reason === "WRONG_STAGE" && skip.stage === "FAIL"),
              JSON.stringify(skip),
            );
          await queue.rescueExpired();
        }
      };
      await Promise.all([consumer(false), consumer(false), consumer(true), consumer(false)]);
      assert.equal(completed.length, new Set(completed).size, "no item completed twice");
      const sizes = await queue.sizes();
      assert.equal(sizes.SUCCESS + sizes.FAIL, count);
      assert.equal(sizes.SUCCESS, completed.length);
    },
  },
];
