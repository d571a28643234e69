import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  InvalidArgument,
  type JsonObject,
  LEASE_EXPIRED_REASON,
  MAX_REASON_BYTES,
  normalizeReason,
} from "@task-queue/queue-core";
import { type Event, ITEM_EVENT_VERSION, type NewEvent } from "../event.js";
import type { EventStore } from "../event-store.js";
import { historyEntries } from "../history.js";
import { compareEventIds } from "../paging.js";

/**
 * One rule of the EventStore contract. Cases share a store and never assume it is empty: each uses its own
 * event names and queue names from `unique`, so a SQL store needs one table for the whole suite.
 */
export interface EventStoreCase {
  name: string;
  run(store: EventStore, unique: (label: string) => string): Promise<void>;
}

export function uniqueNames(): (label: string) => string {
  const run = randomUUID().slice(0, 8);
  return (label) => `${label}-${run}`;
}

const at = (iso: string): Date => new Date(iso);
const idsOf = (events: readonly Event[]): string[] => events.map((event) => event.id);

function assertIncreasing(ids: readonly string[], what: string): void {
  for (let i = 1; i < ids.length; i++) {
    assert.ok(compareEventIds(ids[i - 1]!, ids[i]!) < 0, `${what}: id ${ids[i]} after ${ids[i - 1]}`);
  }
}

async function readAll(store: EventStore, name: string, limit: number, since?: Date): Promise<Event[]> {
  const out: Event[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = await store.readByName(name, {
      limit,
      ...(since ? { since } : {}),
      ...(cursor ? { cursor } : {}),
    });
    assert.ok(page.events.length <= limit, "a page holds at most limit events");
    out.push(...page.events);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
  throw new Error("paging did not end");
}

const itemEvent = (name: string, queue: string, id: string, extra: JsonObject = {}): NewEvent => ({
  name,
  data: { queue, id, ...extra },
});

export const eventStoreCases: EventStoreCase[] = [
  {
    name: "add returns the event as stored, with an integer id, defaults for version and metadata, and the given time",
    async run(store, unique) {
      const name = unique("stored");
      const time = at("2024-05-06T07:08:09.123Z");
      const full = await store.add({ name, version: 3, time, data: { a: 1 }, metadata: { host: "h" } });
      assert.match(full.id, /^[0-9]+$/);
      assert.deepEqual(
        { ...full, id: "x" },
        { id: "x", name, version: 3, time, data: { a: 1 }, metadata: { host: "h" } },
      );
      const bare = await store.add({ name, data: {} });
      assert.equal(bare.version, 1);
      assert.deepEqual(bare.metadata, {});
      assert.ok(bare.time instanceof Date && !Number.isNaN(bare.time.getTime()), "the store sets the time");
      assert.ok(compareEventIds(full.id, bare.id) < 0, "a later add gets a larger id");
    },
  },
  {
    name: "addMany records a batch with ids increasing in the order given; an empty batch records nothing",
    async run(store, unique) {
      const name = unique("many");
      assert.deepEqual(await store.addMany([]), []);
      const batch = Array.from({ length: 30 }, (_, i): NewEvent => ({ name, data: { i } }));
      const stored = await store.addMany(batch);
      assert.deepEqual(
        stored.map((event) => event.data),
        batch.map((event) => event.data),
      );
      assertIncreasing(idsOf(stored), "addMany");
      const read = await readAll(store, name, 1_000);
      assert.deepEqual(idsOf(read).sort(compareEventIds), idsOf(stored));
    },
  },
  {
    name: "data and metadata round-trip exactly: nesting, unicode, NUL characters, large integers",
    async run(store, unique) {
      const name = unique("roundtrip");
      const queue = unique("q");
      const data: JsonObject = {
        queue,
        id: "ïd/with ✓ and spaces",
        body: {
          nested: { list: [1, "two", null, true, 2.5, [], {}] },
          text: "ünïcödé ✓ 🚀 and a \u0000 NUL",
          big: 9007199254740991,
          negative: -0.125,
        },
      };
      const metadata: JsonObject = { trace: "ab\u0000cd", tags: ["x", "y"] };
      const [stored] = await store.addMany([{ name, data, metadata }]);
      assert.deepEqual(stored!.data, data);
      const [read] = (await store.readByName(name)).events;
      assert.deepEqual(read!.data, data);
      assert.deepEqual(read!.metadata, metadata);
      const [history] = await store.itemHistory(queue, "ïd/with ✓ and spaces");
      assert.deepEqual(history, read);
    },
  },
  {
    name: "a batch with one bad event is InvalidArgument and records nothing",
    async run(store, unique) {
      const name = unique("bad");
      const bad: NewEvent[][] = [
        [
          { name, data: { ok: 1 } },
          { name: "", data: {} },
        ],
        [
          { name, data: { ok: 1 } },
          { name, data: [] as unknown as JsonObject },
        ],
        [
          { name, data: { ok: 1 } },
          { name, data: { n: Number.NaN } },
        ],
        [
          { name, data: { ok: 1 } },
          { name, version: 0, data: {} },
        ],
        [
          { name, data: { ok: 1 } },
          { name, time: new Date(Number.NaN), data: {} },
        ],
      ];
      for (const batch of bad) await assert.rejects(store.addMany(batch), InvalidArgument);
      assert.deepEqual((await store.readByName(name)).events, []);
    },
  },
  {
    name: "readByName returns only that name, oldest first by time and then by id",
    async run(store, unique) {
      const name = unique("order");
      const other = unique("other");
      const t1 = at("2024-01-01T00:00:01.000Z");
      const t2 = at("2024-01-01T00:00:02.000Z");
      const added = await store.addMany([
        { name, time: t2, data: { n: "late" } },
        { name: other, time: t1, data: {} },
        { name, time: t1, data: { n: "early-a" } },
        { name, time: t1, data: { n: "early-b" } },
      ]);
      const { events, nextCursor } = await store.readByName(name);
      assert.equal(nextCursor, null);
      assert.deepEqual(
        events.map((event) => event.data.n),
        ["early-a", "early-b", "late"],
      );
      assert.ok(!idsOf(events).includes(added[1]!.id), "events of other names are not read");
    },
  },
  {
    name: "since keeps events at or after the time",
    async run(store, unique) {
      const name = unique("since");
      await store.addMany(
        [1, 2, 3, 4].map((second) => ({
          name,
          time: at(`2024-01-01T00:00:0${second}.500Z`),
          data: { second },
        })),
      );
      const since = at("2024-01-01T00:00:02.500Z");
      const { events } = await store.readByName(name, { since });
      assert.deepEqual(
        events.map((event) => event.data.second),
        [2, 3, 4],
      );
      assert.deepEqual((await store.readByName(name, { since: at("2030-01-01T00:00:00Z") })).events, []);
    },
  },
  {
    name: "pages cover every event exactly once, in order, and later events appear on later pages",
    async run(store, unique) {
      const name = unique("pages");
      const base = Date.parse("2024-02-01T00:00:00.000Z");
      // Groups of three share a time, so the cursor must break ties by id.
      const batch = Array.from(
        { length: 25 },
        (_, i): NewEvent => ({
          name,
          time: new Date(base + Math.floor(i / 3) * 1000),
          data: { i },
        }),
      );
      await store.addMany(batch);
      for (const limit of [1, 2, 3, 7, 25, 100]) {
        const read = await readAll(store, name, limit);
        assert.deepEqual(
          read.map((event) => event.data.i),
          batch.map((event) => event.data.i),
          `limit ${limit}`,
        );
      }
      const first = await store.readByName(name, { limit: 24 });
      assert.ok(first.nextCursor !== null);
      await store.add({ name, time: new Date(base + 60_000), data: { i: 25 } });
      const rest = await store.readByName(name, { limit: 24, cursor: first.nextCursor });
      assert.deepEqual(
        rest.events.map((event) => event.data.i),
        [24, 25],
      );
      assert.equal(rest.nextCursor, null);
    },
  },
  {
    name: "a bad limit, since or cursor is InvalidArgument",
    async run(store, unique) {
      const name = unique("args");
      for (const limit of [0, -1, 1.5, 1_000_000]) {
        await assert.rejects(store.readByName(name, { limit }), InvalidArgument, `limit ${limit}`);
      }
      await assert.rejects(store.readByName(name, { since: new Date(Number.NaN) }), InvalidArgument);
      for (const cursor of ["not a cursor", "Zm9v", "%%%"]) {
        await assert.rejects(store.readByName(name, { cursor }), InvalidArgument, `cursor ${cursor}`);
      }
    },
  },
  {
    name: "lifecycle moves keep their action, reason and attempt: a reason at the 8 KiB limit, and the history shows them",
    async run(store, unique) {
      const names = { add: unique("LIFE_ADD"), move: unique("LIFE_MOVE") };
      const queue = unique("q");
      // What QueueWithEvents writes for a reason at the limit: normalized, multi-byte characters, cut at 8 KiB.
      const longReason = normalizeReason(`${"é".repeat(MAX_REASON_BYTES)}end`)!;
      assert.ok(Buffer.byteLength(longReason, "utf8") <= MAX_REASON_BYTES);
      const move = (from: string, to: string, extra: JsonObject = {}): NewEvent => ({
        name: names.move,
        version: ITEM_EVENT_VERSION,
        data: { queue, id: "job", from, to, ...extra },
      });
      const written: NewEvent[] = [
        { name: names.add, version: ITEM_EVENT_VERSION, data: { queue, id: "job", body: 1 } },
        move("WAITING", "PROCESSING", { attempt: 1 }),
        move("PROCESSING", "WAITING", { action: "RETRY", reason: longReason }),
        move("WAITING", "PROCESSING", { attempt: 2 }),
        move("PROCESSING", "WAITING", { action: "RESCUE", reason: LEASE_EXPIRED_REASON }),
        move("WAITING", "FAIL", { action: "CANCEL", reason: "stop ✓ \u{1F680}" }),
        move("FAIL", "FAIL", { action: "DELETE" }),
      ];
      await store.addMany(written.slice(0, 3));
      for (const event of written.slice(3)) await store.add(event);
      const history = await store.itemHistory(queue, "job");
      assert.deepEqual(
        history.map((event) => [event.name, event.version, event.data]),
        written.map((event) => [event.name, event.version, event.data]),
      );
      const [read] = (await store.readByName(names.move, { limit: 2 })).events.slice(1);
      assert.equal(read!.data.reason, longReason);
      assert.deepEqual(
        historyEntries(history, names).map(({ kind, from, to, action, reason }) => [
          kind,
          from,
          to,
          action,
          reason,
        ]),
        [
          ["ADD", null, "WAITING", undefined, undefined],
          ["MOVE", "WAITING", "PROCESSING", undefined, undefined],
          ["MOVE", "PROCESSING", "WAITING", "RETRY", longReason],
          ["MOVE", "WAITING", "PROCESSING", undefined, undefined],
          ["MOVE", "PROCESSING", "WAITING", "RESCUE", LEASE_EXPIRED_REASON],
          ["MOVE", "WAITING", "FAIL", "CANCEL", "stop ✓ \u{1F680}"],
          ["MOVE", "FAIL", "FAIL", "DELETE", undefined],
        ],
      );
    },
  },
  {
    name: "itemHistory holds the events of that queue and item only, in the order they were recorded",
    async run(store, unique) {
      const name = unique("history");
      const queue = unique("q");
      const otherQueue = unique("q2");
      const mine = [
        // Times out of order: history is record order, not clock order.
        { ...itemEvent(name, queue, "item", { step: 1 }), time: at("2024-03-01T00:00:05.000Z") },
        itemEvent(name, otherQueue, "item", { step: -1 }),
        itemEvent(name, queue, "other-item", { step: -2 }),
        { name, data: { step: -3 } },
        { ...itemEvent(`${name}-b`, queue, "item", { step: 2 }), time: at("2024-03-01T00:00:01.000Z") },
      ];
      await store.addMany(mine);
      await store.add(itemEvent(name, queue, "item", { step: 3 }));
      const history = await store.itemHistory(queue, "item");
      assert.deepEqual(
        history.map((event) => event.data.step),
        [1, 2, 3],
      );
      assertIncreasing(idsOf(history), "history");
      assert.deepEqual(await store.itemHistory(queue, "never-added"), []);
      assert.deepEqual(await store.itemHistory(unique("no-queue"), "item"), []);
    },
  },
  {
    name: "changing an event after add, or one that was read, does not change the store",
    async run(store, unique) {
      const name = unique("copies");
      const queue = unique("q");
      const event = itemEvent(name, queue, "i", { list: [1] });
      await store.add(event);
      (event.data.list as number[]).push(2);
      const [read] = (await store.readByName(name)).events;
      (read!.data.list as number[]).push(3);
      const [again] = await store.itemHistory(queue, "i");
      assert.deepEqual(again!.data.list, [1]);
    },
  },
  {
    name: "concurrent writers get unique ids, increasing within each batch",
    async run(store, unique) {
      const name = unique("concurrent");
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, writer) =>
          store.addMany(Array.from({ length: 20 }, (_, i) => ({ name, data: { writer, i } }))),
        ),
      );
      for (const batch of batches) assertIncreasing(idsOf(batch), "batch");
      const all = idsOf(batches.flat());
      assert.equal(new Set(all).size, 160);
      assert.equal((await readAll(store, name, 1_000)).length, 160);
    },
  },
  {
    name: "trim removes events of one name older than `before`, oldest first, at most limit, from history too",
    async run(store, unique) {
      const name = unique("trim");
      const other = unique("trim-other");
      const queue = unique("q");
      const old = (second: number) => at(`2024-03-01T00:00:0${second}.000Z`);
      const before = at("2024-03-01T00:00:05.000Z");
      // Recorded out of time order: trim goes by time, not by id.
      await store.addMany([
        { ...itemEvent(name, queue, "c"), time: old(3) },
        { ...itemEvent(name, queue, "a"), time: old(1) },
        { ...itemEvent(name, queue, "young"), time: at("2024-03-01T00:00:09.000Z") },
        { ...itemEvent(other, queue, "other"), time: old(1) },
        { ...itemEvent(name, queue, "b"), time: old(2) },
      ]);
      assert.equal(await store.trim({ name, before, limit: 2 }), 2);
      const left = async () => (await readAll(store, name, 100)).map((event) => event.data.id);
      assert.deepEqual(await left(), ["c", "young"]);
      assert.deepEqual(await store.itemHistory(queue, "a"), []);
      assert.equal(await store.trim({ name, before, limit: 10 }), 1);
      assert.equal(await store.trim({ name, before, limit: 10 }), 0);
      assert.deepEqual(await left(), ["young"]);
      assert.equal((await store.itemHistory(queue, "young")).length, 1);
      assert.equal((await store.readByName(other)).events.length, 1, "other names are kept");
    },
  },
  {
    name: "a bad trim request is InvalidArgument and removes nothing",
    async run(store, unique) {
      const name = unique("trim-bad");
      await store.add({ name, time: at("2024-03-01T00:00:00.000Z"), data: {} });
      const before = at("2030-01-01T00:00:00.000Z");
      for (const request of [
        { name, before, limit: 0 },
        { name, before, limit: 1.5 },
        { name: "", before, limit: 1 },
        { name, before: new Date(Number.NaN), limit: 1 },
      ]) {
        await assert.rejects(() => store.trim(request), InvalidArgument, JSON.stringify(request));
      }
      assert.equal((await store.readByName(name)).events.length, 1);
    },
  },
  {
    name: "finishedMoves lists one queue's moves to SUCCESS or FAIL since a time, each with its attempt's hand-out",
    async run(store, unique) {
      const moveName = unique("fin-move");
      const queue = unique("q");
      const t = (second: number) => at(`2024-04-01T00:00:${String(second).padStart(2, "0")}.000Z`);
      const move = (
        id: string,
        from: string,
        to: string,
        second: number,
        extra: JsonObject = {},
      ): NewEvent => ({
        name: moveName,
        time: t(second),
        data: { queue, id, from, to, ...extra },
      });
      await store.addMany([
        // Finished before the window: not listed.
        move("early", "WAITING", "PROCESSING", 1),
        move("early", "PROCESSING", "SUCCESS", 2),
        // Retried once: the finish belongs to the second hand-out.
        move("retried", "WAITING", "PROCESSING", 10),
        move("retried", "PROCESSING", "WAITING", 12, { reason: "flaky" }),
        move("retried", "WAITING", "PROCESSING", 20),
        move("retried", "PROCESSING", "SUCCESS", 25),
        move("failed", "WAITING", "PROCESSING", 5),
        move("failed", "PROCESSING", "FAIL", 30, { reason: "disk full" }),
        // Cancelled while waiting: never handed out.
        move("cancelled", "WAITING", "FAIL", 31, { reason: "not needed" }),
        // Another queue's finish and another name's: not listed.
        {
          name: moveName,
          time: t(26),
          data: { queue: unique("other-q"), id: "x", from: "PROCESSING", to: "SUCCESS" },
        },
        {
          name: unique("other-name"),
          time: t(27),
          data: { queue, id: "y", from: "PROCESSING", to: "SUCCESS" },
        },
      ]);
      const moves = await store.finishedMoves({ queue, moveName, since: t(3) });
      const byId = Object.fromEntries(moves.map((m) => [m.id, m]));
      assert.deepEqual(Object.keys(byId).sort(), ["cancelled", "failed", "retried"]);
      assert.deepEqual(byId.retried, {
        id: "retried",
        stage: "SUCCESS",
        finishedAt: t(25),
        startedAt: t(20),
        reason: null,
      });
      assert.deepEqual(byId.failed, {
        id: "failed",
        stage: "FAIL",
        finishedAt: t(30),
        startedAt: t(5),
        reason: "disk full",
      });
      assert.deepEqual(byId.cancelled, {
        id: "cancelled",
        stage: "FAIL",
        finishedAt: t(31),
        startedAt: null,
        reason: "not needed",
      });
      assert.deepEqual(await store.finishedMoves({ queue, moveName, since: t(40) }), []);
    },
  },
];
