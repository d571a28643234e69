import assert from "node:assert/strict";
import { InvalidArgument, InvalidItem, InvalidStage, InvalidTransition, ItemNotFound } from "../errors.js";
import type { JsonValue } from "../json.js";
import { canPause, type ItemId, type Queue } from "../queue.js";
import { QueueItemStage, STAGE_NAMES, type StageSizes } from "../stage.js";
import { DEFAULT_MAX_BODY_DEPTH, MAX_GET_N } from "../validation.js";
import { rejects } from "./rejects.js";

/** What a backend declares it can do; a case that needs a capability the backend lacks is reported as skipped. */
export interface QueueCapabilities {
  /** get hands out items strictly oldest first, by the time they entered WAITING (S3 lists by key instead). */
  strictFifo: boolean;
  /** putJobs' priority orders hand-outs (S3 cannot without listing whole stages). */
  priority: boolean;
  /** Delays (delaySeconds, runAfter, retry backoff) hold items back until their time. */
  delay: boolean;
  /** The backend stores the pause flag (isPaused/setPaused). */
  pause?: boolean;
  /** recordControllerStatus/controllerStatus (QueueWithControllerStatus). */
  controllerStatus?: boolean;
  /** stats() (QueueWithStats): counts, rates, durations and failure reasons over a window. */
  stats?: boolean;
  /**
   * Consumers whose leases expire while they work, racing rescues and each other's completions, never lose an
   * item. Every backend declares it today (S3Queue on s3rver too, since the torn-read fix in its locate); it stays a
   * capability for a backend that could not make it exact.
   */
  leaseRaces?: boolean;
  /** Moves to SUCCESS and FAIL record completion callbacks (QueueWithCallbacks). */
  callbacks?: boolean;
  /**
   * The queue tells observers of its rescues itself (ReportsRescues), wherever they happen. A client of a remote
   * queue (ApiClient) does not: the server that rescued tells its own observers.
   */
  rescueReports?: boolean;
}

/**
 * What a full-featured backend declares (memory, SQL, and HTTP in front of either, less what a client cannot do:
 * controllerStatus, rescueReports): every optional case runs.
 */
export const EVERY_CAPABILITY: Readonly<Required<QueueCapabilities>> = Object.freeze({
  strictFifo: true,
  priority: true,
  delay: true,
  pause: true,
  controllerStatus: true,
  stats: true,
  leaseRaces: true,
  callbacks: true,
  rescueReports: true,
});

export interface ConformanceOptions {
  /** The `implementation` the queue's description() must name, e.g. "SQLQueue" (the Python system's class names). */
  implementation: string;
  /** Items in the large-batch case (default 10,000). */
  largeBatchSize?: number;
  /** Items drained by concurrent consumers in the concurrency case (default 1,000). */
  concurrencyItems?: number;
}

export interface ConformanceCase {
  name: string;
  requires?: keyof QueueCapabilities;
  /** Marks the slow cases, so runners can give them a longer timeout. */
  slow?: boolean;
  run(queue: Queue, options: Required<ConformanceOptions>): Promise<void>;
}

const ids = (pairs: Array<[ItemId, JsonValue]>): ItemId[] => pairs.map(([id]) => id);

function items(prefix: string, count: number, body: (i: number) => JsonValue = (i) => ({ i })) {
  const out: Record<ItemId, JsonValue> = {};
  for (let i = 0; i < count; i++) out[`${prefix}${String(i).padStart(6, "0")}`] = body(i);
  return out;
}

async function expectSizes(queue: Queue, expected: StageSizes): Promise<void> {
  assert.deepEqual(await queue.sizes(), expected);
  for (const name of STAGE_NAMES) {
    assert.equal(await queue.size(QueueItemStage[name]), expected[name], `size(${name})`);
  }
}

async function allIds(queue: Queue, stage: QueueItemStage): Promise<ItemId[]> {
  return (await queue.lookupState(stage)).ids.slice().sort();
}

/** An array nested `depth` levels deep around `inner`: nested(2, 1) is [[1]]. */
function nested(depth: number, inner: JsonValue): JsonValue {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Takes `count` items from WAITING (the whole queue must hold only these) and returns their ids, now PROCESSING. */
async function processAll(queue: Queue, count: number): Promise<ItemId[]> {
  const got = ids(await queue.get(count));
  assert.equal(got.length, count);
  return got;
}

export const conformanceCases: ConformanceCase[] = [
  {
    name: "put then get returns every item with its body, and moves it to PROCESSING",
    async run(queue) {
      const bodies: Record<ItemId, JsonValue> = {
        obj: { a: 1, nested: { list: [1, "two", null, true], empty: {} } },
        arr: [1, 2, 3],
        str: "plain string with ünïcödé ✓",
        nil: null,
        num: 3.25,
        bool: false,
        big: 9007199254740991,
        emptyArr: [],
      };
      const put = await queue.put(bodies);
      assert.deepEqual(put.added.slice().sort(), Object.keys(bodies).sort());
      assert.deepEqual(put.skipped, []);
      const got = await queue.get(100);
      assert.equal(got.length, Object.keys(bodies).length);
      for (const [id, body] of got) assert.deepEqual(body, bodies[id], `body of ${id}`);
      for (const id of Object.keys(bodies)) {
        assert.equal(await queue.lookupStatus(id), QueueItemStage.PROCESSING);
      }
    },
  },
  {
    name: "a second put skips ids already present, in any stage, and keeps their bodies",
    async run(queue) {
      assert.deepEqual(await queue.put({ a: 1, b: 2 }), { added: ["a", "b"], skipped: [] });
      const mixed = await queue.put({ b: "changed", c: 3 });
      assert.deepEqual(mixed, { added: ["c"], skipped: ["b"] });
      assert.deepEqual((await queue.lookupItem("b")).itemBody, 2);
      const [[first]] = (await queue.get(1)) as [[ItemId, JsonValue]];
      await queue.success(first);
      const again = await queue.put({ [first]: "again" });
      assert.deepEqual(again, { added: [], skipped: [first] });
      assert.equal(await queue.lookupStatus(first), QueueItemStage.SUCCESS);
      await expectSizes(queue, { WAITING: 2, PROCESSING: 0, SUCCESS: 1, FAIL: 0 });
    },
  },
  {
    name: "get(0) and get on an empty queue return nothing; get(n) beyond the queue returns what there is",
    async run(queue) {
      assert.deepEqual(await queue.get(0), []);
      assert.deepEqual(await queue.get(5), []);
      assert.deepEqual(await queue.peek(5), []);
      await queue.put({ x: 1, y: 2 });
      assert.deepEqual(await queue.get(0), []);
      await expectSizes(queue, { WAITING: 2, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      assert.deepEqual(ids(await queue.get(50)).sort(), ["x", "y"]);
      assert.deepEqual(await queue.get(50), []);
    },
  },
  {
    name: "n that is negative, fractional, not a number or above the bound is InvalidArgument",
    async run(queue) {
      await queue.put({ a: 1 });
      for (const n of [-1, 1.5, Number.NaN, MAX_GET_N + 1]) {
        await rejects(queue.get(n), InvalidArgument);
        await rejects(queue.peek(n), InvalidArgument);
      }
      await rejects(queue.get("3" as unknown as number), InvalidArgument);
      await expectSizes(queue, { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
    },
  },
  {
    name: "get hands items out oldest first, across and within batches",
    requires: "strictFifo",
    async run(queue) {
      await queue.put({ m3: 0, m1: 0, m2: 0 });
      await queue.put({ a2: 0 });
      await queue.put({ z9: 0, a1: 0 });
      const order: ItemId[] = [];
      for (let i = 0; i < 6; i++) order.push(...ids(await queue.get(1)));
      assert.deepEqual(order, ["m3", "m1", "m2", "a2", "z9", "a1"]);
    },
  },
  {
    name: "requeued items go to the back of the line",
    requires: "strictFifo",
    async run(queue) {
      await queue.put({ first: 1 });
      await queue.put({ second: 2 });
      await queue.put({ third: 3 });
      assert.deepEqual(ids(await queue.get(1)), ["first"]);
      await queue.fail("first");
      await queue.requeue("first");
      await queue.put({ fourth: 4 });
      assert.deepEqual(ids(await queue.peek(4)), ["second", "third", "first", "fourth"]);
      assert.deepEqual(ids(await queue.get(4)), ["second", "third", "first", "fourth"]);
    },
  },
  {
    name: "peek returns what get would, and moves nothing",
    async run(queue) {
      await queue.put(items("p", 5));
      const peeked = await queue.peek(3);
      assert.equal(peeked.length, 3);
      await expectSizes(queue, { WAITING: 5, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      assert.deepEqual(await queue.peek(3), peeked);
      assert.deepEqual(await queue.get(3), peeked);
      await expectSizes(queue, { WAITING: 2, PROCESSING: 3, SUCCESS: 0, FAIL: 0 });
    },
  },
  {
    name: "sizes and size follow items through every stage",
    async run(queue) {
      await expectSizes(queue, { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      await queue.put(items("s", 10));
      const got = await processAll(queue, 6);
      await queue.success(got[0]!);
      await queue.success(got[1]!);
      await queue.fail(got[2]!);
      await expectSizes(queue, { WAITING: 4, PROCESSING: 3, SUCCESS: 2, FAIL: 1 });
      await queue.requeue(got[2]!);
      await expectSizes(queue, { WAITING: 5, PROCESSING: 3, SUCCESS: 2, FAIL: 0 });
    },
  },
  {
    name: "lookupStatus, lookupItem and lookupState report each stage",
    async run(queue) {
      await queue.put({ w: { s: "w" }, p: { s: "p" }, ok: { s: "ok" }, ko: { s: "ko" } });
      // Take every item, then put the one meant to stay WAITING back through FAIL → requeue.
      const got = await processAll(queue, 4);
      assert.deepEqual(got.slice().sort(), ["ko", "ok", "p", "w"]);
      await queue.success("ok");
      await queue.fail("ko");
      await queue.fail("w");
      await queue.requeue(["w"]);
      const expected: Array<[ItemId, QueueItemStage]> = [
        ["w", QueueItemStage.WAITING],
        ["p", QueueItemStage.PROCESSING],
        ["ok", QueueItemStage.SUCCESS],
        ["ko", QueueItemStage.FAIL],
      ];
      for (const [id, stage] of expected) {
        assert.equal(await queue.lookupStatus(id), stage, `status of ${id}`);
        assert.deepEqual(await queue.lookupItem(id), { itemId: id, status: stage, itemBody: { s: id } });
        assert.deepEqual(await queue.lookupState(stage), { ids: [id], nextCursor: null });
      }
    },
  },
  {
    name: "lookupState pages cover a stage exactly once",
    async run(queue) {
      await queue.put(items("page", 25));
      const seen: ItemId[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await queue.lookupState(
          QueueItemStage.WAITING,
          cursor ? { limit: 10, cursor } : { limit: 10 },
        );
        assert.ok(page.ids.length <= 10);
        seen.push(...page.ids);
        pages++;
        assert.ok(pages <= 4, "paging did not end");
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen.slice().sort(), Object.keys(items("page", 25)).sort());
      assert.deepEqual(await queue.lookupState(QueueItemStage.SUCCESS, { limit: 10 }), {
        ids: [],
        nextCursor: null,
      });
      await rejects(queue.lookupState(QueueItemStage.WAITING, { limit: 0 }), InvalidArgument);
      // A cursor is the last id of a page: one that no page could have given is InvalidArgument.
      for (const cursor of ["\u0000", "a\ud800", "x".repeat(600), "tab\tid"]) {
        await rejects(
          queue.lookupState(QueueItemStage.WAITING, { limit: 10, cursor }),
          InvalidArgument,
          (e) => assert.equal(e.argument, "cursor"),
        );
      }
    },
  },
  {
    name: "lookupState pages with a prefix hold only ids that start with it",
    async run(queue) {
      await queue.put({ ...items("a/", 7), ...items("ab/", 3), ...items("b/", 4), a: 0 });
      const seen: ItemId[] = [];
      let cursor: string | undefined;
      for (let pages = 1; ; pages++) {
        const page = await queue.lookupState(QueueItemStage.WAITING, {
          limit: 3,
          prefix: "a/",
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.ids);
        assert.ok(pages <= 4, "paging did not end");
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      assert.deepEqual(seen.slice().sort(), Object.keys(items("a/", 7)).sort());
      const all = await queue.lookupState(QueueItemStage.WAITING, { limit: 100, prefix: "a" });
      assert.equal(all.ids.length, 11);
      assert.deepEqual(await queue.lookupState(QueueItemStage.WAITING, { limit: 5, prefix: "zz" }), {
        ids: [],
        nextCursor: null,
      });
    },
  },
  {
    name: "the pause flag is stored with the queue and changes no item",
    requires: "pause",
    async run(queue) {
      assert.ok(canPause(queue), "the backend declares pause but has no isPaused/setPaused");
      await queue.put(items("p", 3));
      assert.equal(await queue.isPaused(), false);
      await queue.setPaused(true);
      assert.equal(await queue.isPaused(), true);
      await queue.setPaused(true);
      assert.equal(await queue.isPaused(), true);
      assert.deepEqual(await queue.sizes(), { WAITING: 3, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      // Pausing is for controllers: a consumer calling get still gets work.
      assert.equal((await queue.get(1)).length, 1);
      await queue.setPaused(false);
      assert.equal(await queue.isPaused(), false);
    },
  },
  {
    name: "unknown ids are ItemNotFound",
    async run(queue) {
      await queue.put({ known: 1 });
      await rejects(queue.lookupStatus("missing"), ItemNotFound, (e) =>
        assert.equal(e.code, "ITEM_NOT_FOUND"),
      );
      await rejects(queue.lookupItem("missing"), ItemNotFound);
      await rejects(queue.success("missing"), ItemNotFound);
      await rejects(queue.fail("missing"), ItemNotFound);
    },
  },
  {
    name: "stages outside 0–3 are InvalidStage",
    async run(queue) {
      await rejects(queue.size(7 as QueueItemStage), InvalidStage);
      await rejects(queue.lookupState(-1 as QueueItemStage), InvalidStage);
    },
  },
  {
    name: "success and fail only from PROCESSING: anything else is InvalidTransition and changes nothing",
    async run(queue) {
      await queue.put({ waiting: 1, done: 2, failed: 3 });
      await queue.get(0);
      const got = ids(await queue.get(3));
      assert.equal(got.length, 3);
      await queue.success("done");
      await queue.fail("failed");
      await queue.fail("waiting");
      await queue.requeue("waiting");
      const before = await queue.sizes();
      await rejects(queue.success("waiting"), InvalidTransition, (e) => {
        assert.equal(e.code, "INVALID_TRANSITION");
        assert.equal(e.from, "WAITING");
      });
      await rejects(queue.fail("waiting"), InvalidTransition);
      await rejects(queue.fail("done"), InvalidTransition);
      await rejects(queue.success("done"), InvalidTransition);
      await rejects(queue.success("failed"), InvalidTransition);
      assert.deepEqual(await queue.sizes(), before);
      assert.equal(await queue.lookupStatus("waiting"), QueueItemStage.WAITING);
      assert.equal(await queue.lookupStatus("done"), QueueItemStage.SUCCESS);
      assert.equal(await queue.lookupStatus("failed"), QueueItemStage.FAIL);
    },
  },
  {
    name: "requeue moves FAIL → WAITING for one id, a list or none, and skips the rest with the reason",
    async run(queue) {
      await queue.put(items("r", 5));
      const got = await processAll(queue, 5);
      const [r0, r1, r2, r3, r4] = got as [ItemId, ItemId, ItemId, ItemId, ItemId];
      for (const id of [r0, r1, r2]) await queue.fail(id);
      await queue.success(r3);
      assert.deepEqual(await queue.requeue(r0), { requeued: [r0], skipped: [] });
      assert.deepEqual(await queue.requeue([]), { requeued: [], skipped: [] });
      const many = await queue.requeue([r1, r2, r3, r4, "nobody", r0]);
      assert.deepEqual(many.requeued.slice().sort(), [r1, r2].sort());
      const skipped = [...many.skipped].sort((a, b) => (a.id < b.id ? -1 : 1));
      assert.deepEqual(
        skipped,
        [
          { id: "nobody", reason: "NOT_FOUND" },
          { id: r0, reason: "WRONG_STAGE", stage: "WAITING" },
          { id: r3, reason: "WRONG_STAGE", stage: "SUCCESS" },
          { id: r4, reason: "WRONG_STAGE", stage: "PROCESSING" },
        ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      // Requeue of a SUCCESS item is refused: it stays where it was.
      assert.equal(await queue.lookupStatus(r3), QueueItemStage.SUCCESS);
      await expectSizes(queue, { WAITING: 3, PROCESSING: 1, SUCCESS: 1, FAIL: 0 });
    },
  },
  {
    name: "successMany and failMany move PROCESSING items at once and skip the rest with the reason",
    async run(queue) {
      await queue.put(items("m", 6));
      const got = await processAll(queue, 5);
      const okIds = got.slice(0, 3);
      const koIds = got.slice(3, 5);
      const ok = await queue.successMany([...okIds, "ghost"]);
      assert.deepEqual(ok.moved.slice().sort(), okIds.slice().sort());
      assert.deepEqual(ok.skipped, [{ id: "ghost", reason: "NOT_FOUND" }]);
      const ko = await queue.failMany([...koIds, okIds[0]!]);
      assert.deepEqual(ko.moved.slice().sort(), koIds.slice().sort());
      assert.deepEqual(ko.skipped, [{ id: okIds[0], reason: "WRONG_STAGE", stage: "SUCCESS" }]);
      assert.deepEqual(await queue.successMany([]), { moved: [], skipped: [] });
      await expectSizes(queue, { WAITING: 1, PROCESSING: 0, SUCCESS: 3, FAIL: 2 });
    },
  },
  {
    name: "an invalid batch is rejected whole, naming every bad id, and writes nothing",
    async run(queue) {
      await queue.put({ existing: 1 });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const bad: Record<string, unknown> = {
        good: { fine: true },
        "": 1,
        ["x".repeat(513)]: 1,
        "tab\there": 1,
        undef: undefined,
        fn: () => 1,
        bigint: 10n,
        cycle: cyclic,
        nan: Number.NaN,
        nestedUndef: { a: [1, undefined] },
        date: new Date(0),
      };
      await rejects(queue.put(bad as Record<ItemId, JsonValue>), InvalidItem, (e) => {
        assert.equal(e.code, "INVALID_ITEM");
        const named = e.problems.map((p) => p.id).sort();
        assert.deepEqual(
          named,
          [
            "",
            "x".repeat(513),
            "tab\there",
            "undef",
            "fn",
            "bigint",
            "cycle",
            "nan",
            "nestedUndef",
            "date",
          ].sort(),
        );
        for (const p of e.problems) assert.ok(p.reason.length > 0);
      });
      await expectSizes(queue, { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      await rejects(queue.lookupStatus("good"), ItemNotFound);
      await rejects(
        queue.put(["not", "an", "object"] as unknown as Record<ItemId, JsonValue>),
        InvalidArgument,
      );
      await rejects(queue.put(null as unknown as Record<ItemId, JsonValue>), InvalidArgument);
      await rejects(queue.requeue(["ok", ""]), InvalidItem);
      await rejects(queue.lookupStatus(""), InvalidItem);
      await expectSizes(queue, { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
    },
  },
  {
    name: "one rule for storable bodies: depth, lone surrogates and NUL are rejected by path, nothing is written",
    async run(queue) {
      await queue.put({ existing: 1 });
      const deepest = nested(DEFAULT_MAX_BODY_DEPTH - 1, { leaf: "🎉 \u0001 \\u0000 text" });
      const good: Record<ItemId, JsonValue> = {
        deepest,
        pairs: { "emoji 🎉 key": "surrogate pairs are fine: 𝄞", "": "an empty key is a key" },
        numbers: [1e308, 5e-324, 123456789012345680000, -1.5],
      };
      const bad: Record<ItemId, JsonValue> = {
        ...good,
        tooDeep: { a: nested(DEFAULT_MAX_BODY_DEPTH, 1) },
        loneValue: { list: ["ok", "\ud800"] },
        loneKey: { "x\udfff": 1 },
        nulValue: "a\u0000b",
        nulKey: { k: { "nul\u0000": true } },
      };
      await rejects(queue.put(bad), InvalidItem, (e) => {
        const byId = new Map(e.problems.map((p) => [p.id, p]));
        assert.deepEqual([...byId.keys()].sort(), ["loneKey", "loneValue", "nulKey", "nulValue", "tooDeep"]);
        assert.deepEqual(byId.get("loneValue")?.path, ["list", 1]);
        assert.deepEqual(byId.get("loneKey")?.path, ["x\udfff"]);
        assert.deepEqual(byId.get("nulValue")?.path, []);
        assert.deepEqual(byId.get("nulKey")?.path, ["k", "nul\u0000"]);
        const deep = byId.get("tooDeep");
        assert.deepEqual(deep?.path, ["a", ...new Array<number>(DEFAULT_MAX_BODY_DEPTH - 1).fill(0)]);
        assert.match(deep?.reason ?? "", new RegExp(`deeper than the limit of ${DEFAULT_MAX_BODY_DEPTH}`));
        assert.match(byId.get("loneValue")?.reason ?? "", /body\.list\[1\].*surrogate/);
        assert.match(byId.get("nulKey")?.reason ?? "", /u0000/);
      });
      await expectSizes(queue, { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      await rejects(queue.lookupStatus("deepest"), ItemNotFound);
      // The same bodies without the bad items are stored and come back exactly.
      assert.deepEqual((await queue.put(good)).added.slice().sort(), Object.keys(good).sort());
      for (const [id, body] of Object.entries(good)) {
        assert.deepEqual((await queue.lookupItem(id)).itemBody, body, `body of ${id}`);
      }
    },
  },
  {
    name: "unicode, path-like and 512-byte ids round-trip exactly",
    async run(queue) {
      const odd = [
        "ünïcødé",
        "emoji 🎉 id",
        "日本語のキー",
        "../escape",
        "a/b/c",
        "/leading/slash",
        "with space",
        "percent%2Fslash",
        "dots..",
        "quote'\"`",
        "back\\slash",
        "é".repeat(256),
        "y".repeat(512),
      ];
      assert.equal(Buffer.byteLength(odd[11]!, "utf8"), 512);
      const batch = Object.fromEntries(odd.map((id, i) => [id, { i }]));
      assert.deepEqual((await queue.put(batch)).added.slice().sort(), odd.slice().sort());
      assert.deepEqual(await allIds(queue, QueueItemStage.WAITING), odd.slice().sort());
      for (const [i, id] of odd.entries()) {
        assert.deepEqual(await queue.lookupItem(id), {
          itemId: id,
          status: QueueItemStage.WAITING,
          itemBody: { i },
        });
      }
      const got = await queue.get(odd.length);
      assert.deepEqual(ids(got).sort(), odd.slice().sort());
      for (const [id, body] of got) assert.deepEqual(body, batch[id]);
      await queue.successMany(odd);
      assert.deepEqual(await allIds(queue, QueueItemStage.SUCCESS), odd.slice().sort());
    },
  },
  {
    name: "a body changed by the caller after put is not changed in the queue",
    async run(queue) {
      const body = { list: [1, 2] };
      await queue.put({ held: body });
      body.list.push(3);
      assert.deepEqual((await queue.lookupItem("held")).itemBody, { list: [1, 2] });
    },
  },
  {
    name: "a large batch goes in with one put and comes out whole",
    slow: true,
    async run(queue, options) {
      const count = options.largeBatchSize;
      const batch = items("big", count, (i) => ({ i, payload: "x".repeat(32) }));
      const put = await queue.put(batch);
      assert.equal(put.added.length, count);
      assert.equal(await queue.size(QueueItemStage.WAITING), count);
      const seen = new Set<ItemId>();
      while (seen.size < count) {
        const got = await queue.get(Math.min(MAX_GET_N, count));
        assert.ok(got.length > 0, "queue ran dry early");
        for (const [id, body] of got) {
          assert.ok(!seen.has(id), `${id} handed out twice`);
          assert.deepEqual(body, batch[id]);
          seen.add(id);
        }
      }
      assert.equal(await queue.size(QueueItemStage.PROCESSING), count);
    },
  },
  {
    name: "8 concurrent callers of get(7) never receive the same item, and together receive all of them",
    slow: true,
    async run(queue, options) {
      const count = options.concurrencyItems;
      await queue.put(items("c", count));
      const received: ItemId[][] = [];
      const consumer = async (): Promise<void> => {
        const mine: ItemId[] = [];
        received.push(mine);
        for (;;) {
          const got = await queue.get(7);
          if (got.length === 0) return;
          mine.push(...ids(got));
        }
      };
      await Promise.all(Array.from({ length: 8 }, consumer));
      const all = received.flat();
      const counts = new Map<ItemId, number>();
      for (const id of all) counts.set(id, (counts.get(id) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      assert.deepEqual(twice.slice(0, 10), [], `${twice.length} items were handed out more than once`);
      assert.equal(counts.size, count, "every item is handed out");
      await expectSizes(queue, { WAITING: 0, PROCESSING: count, SUCCESS: 0, FAIL: 0 });
    },
  },
  {
    name: "description names the implementation and its arguments",
    async run(queue, options) {
      const description = await queue.description();
      assert.equal(description.implementation, options.implementation);
      assert.ok(
        typeof description.arguments === "object" &&
          description.arguments !== null &&
          !Array.isArray(description.arguments),
        "arguments is an object",
      );
      // The API sends it as JSON: nothing may be lost on the way (no undefined, Date, class instance).
      assert.deepEqual(JSON.parse(JSON.stringify(description)), description);
    },
  },
];
