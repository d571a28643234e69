import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { InMemoryEventStore, type QueueNamespaceWithEvents, withEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

interface Backend {
  label: string;
  /** Whether a move and its events share one transaction (SqlQueue and SqlEventStore on one database). */
  atomic: boolean;
  open(): Promise<QueueNamespaceWithEvents>;
}

const names = { base: "TASK" };

const backends: Backend[] = [
  {
    label: "InMemoryQueueNamespace + InMemoryEventStore",
    atomic: false,
    open: async () => withEvents(new InMemoryQueueNamespace(), new InMemoryEventStore(), names),
  },
  {
    label: "SqlQueueNamespace + SqlEventStore on one PGlite database",
    atomic: true,
    open: async () => {
      const namespace = await SqlQueueNamespace.open({ connection: "pglite://memory" });
      // The namespace's drizzle database, the very object its queues run on: that is what makes the path transactional.
      const store = new SqlEventStore(namespace.queue("default").database);
      await store.migrate();
      return withEvents(namespace, store, names);
    },
  },
];

/** The stage moves of put → get → fail → requeue → get → success, in order. */
const LIFE: ReadonlyArray<{ kind: "ADD" | "MOVE"; from: string | null; to: string; action?: string }> = [
  { kind: "ADD", from: null, to: "WAITING" },
  { kind: "MOVE", from: "WAITING", to: "PROCESSING" },
  { kind: "MOVE", from: "PROCESSING", to: "FAIL" },
  { kind: "MOVE", from: "FAIL", to: "WAITING", action: "REQUEUE" },
  { kind: "MOVE", from: "WAITING", to: "PROCESSING" },
  { kind: "MOVE", from: "PROCESSING", to: "SUCCESS" },
];

const ISO_8601_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const backend of backends) {
  describe(`history route over ${backend.label}`, () => {
    let queues: QueueNamespaceWithEvents;
    let server: Served;
    const call = (method: string, path: string, body?: string) => {
      const headers: Record<string, string> = body ? { "content-type": "application/json" } : {};
      return send(server.port, method, path, body, headers);
    };

    /** Drives one item through a whole life under `prefix` (/api/v1/queue or /api/v1/queues/<name>). */
    async function live(prefix: string, id: string): Promise<void> {
      expect(await call("POST", `${prefix}/put`, JSON.stringify({ [id]: { scene: "intro" } }))).toMatchObject(
        {
          status: 200,
          text: "null",
        },
      );
      expect(await call("GET", `${prefix}/get/1`)).toMatchObject({
        status: 200,
        text: JSON.stringify([[id, { scene: "intro" }]]),
      });
      expect(await call("POST", `${prefix}/fail/${id}`)).toMatchObject({ status: 200, text: "null" });
      expect(await call("POST", `${prefix}/requeue`, JSON.stringify([id]))).toMatchObject({
        status: 200,
        text: "null",
      });
      expect((await call("GET", `${prefix}/get/1`)).text).toBe(JSON.stringify([[id, { scene: "intro" }]]));
      expect(await call("POST", `${prefix}/success/${id}`)).toMatchObject({ status: 200, text: "null" });
    }

    /** The route's answer must be exactly LIFE, with the given event ids and valid ISO times, in this key order. */
    async function expectHistory(path: string, eventIds: readonly string[]): Promise<void> {
      const response = await call("GET", path);
      expect(response.status).toBe(200);
      const entries: Array<{ time: string }> = JSON.parse(response.text);
      expect(entries).toHaveLength(LIFE.length);
      for (const { time } of entries) {
        expect(time).toMatch(ISO_8601_UTC_MS);
        expect(new Date(time).toISOString()).toBe(time);
      }
      const expected = LIFE.map((step, i) => ({
        event_id: eventIds[i],
        time: entries[i]?.time,
        kind: step.kind,
        from: step.from,
        to: step.to,
        ...(step.action ? { action: step.action } : {}),
      }));
      expect(response.text).toBe(JSON.stringify(expected));
    }

    beforeAll(async () => {
      queues = await backend.open();
      server = await serveOnLoopback(createApp({ queues }));
    });
    afterAll(async () => {
      await server?.close();
      await queues?.close();
    });

    it(`records ${backend.atomic ? "in the move's transaction" : "after each move"}`, () => {
      expect(queues.queue("default").atomic).toBe(backend.atomic);
    });

    it("the default queue: every step of put → get → fail → requeue → get → success, oldest first", async () => {
      await live("/api/v1/queue", "frame-1");
      // A fresh store: the first six events recorded are this item's.
      await expectHistory("/api/v1/queue/history/frame-1", ["1", "2", "3", "4", "5", "6"]);
      // The same queue by name answers the same.
      await expectHistory("/api/v1/queues/default/history/frame-1", ["1", "2", "3", "4", "5", "6"]);
    });

    it("a named queue: the same id has its own history, with later event ids", async () => {
      await live("/api/v1/queues/renders", "frame-1");
      await expectHistory("/api/v1/queues/renders/history/frame-1", ["7", "8", "9", "10", "11", "12"]);
      // The default queue's item is untouched by the named queue's events.
      await expectHistory("/api/v1/queue/history/frame-1", ["1", "2", "3", "4", "5", "6"]);
    });

    it("an item put and never moved has only its ADD", async () => {
      await call("POST", "/api/v1/queues/renders/put", '{"frame-2":null}');
      const response = await call("GET", "/api/v1/queues/renders/history/frame-2");
      expect(response.status).toBe(200);
      const [entry] = JSON.parse(response.text);
      expect(response.text).toBe(
        JSON.stringify([{ event_id: "13", time: entry.time, kind: "ADD", from: null, to: "WAITING" }]),
      );
    });

    it("lifecycle moves show their action and reason: a retry, a cancel, a delete", async () => {
      const queue = queues.queue("lifecycle");
      await queue.putJobs([{ id: "job", body: 1, maxAttempts: 2 }]);
      const [job] = await queue.getJobs(1);
      await queue.fail("job", { attempt: job!.attempt, reason: "disk full", retryDelaySeconds: 0 });
      await queue.cancel("job", "no longer needed");
      await queue.delete(["job"]);
      const response = await call("GET", "/api/v1/queues/lifecycle/history/job");
      expect(response.status).toBe(200);
      const entries = JSON.parse(response.text) as Array<Record<string, unknown>>;
      expect(entries.map(({ event_id: _id, time: _time, ...rest }) => rest)).toEqual([
        { kind: "ADD", from: null, to: "WAITING" },
        { kind: "MOVE", from: "WAITING", to: "PROCESSING" },
        { kind: "MOVE", from: "PROCESSING", to: "WAITING", reason: "disk full", action: "RETRY" },
        { kind: "MOVE", from: "WAITING", to: "FAIL", reason: "no longer needed", action: "CANCEL" },
        { kind: "MOVE", from: "FAIL", to: "FAIL", action: "DELETE" },
      ]);
    });

    it("an unknown id is 400 '<id> not in Queue', also for an id that lives in another queue", async () => {
      for (const path of [
        "/api/v1/queue/history/nobody",
        "/api/v1/queues/renders/history/nobody",
        "/api/v1/queues/empty/history/frame-1",
      ]) {
        const response = await call("GET", path);
        const id = path.split("/").at(-1);
        expect(response).toMatchObject({ status: 400, text: `{"detail":"${id} not in Queue"}` });
        expect(response.headers["x-error-code"]).toBe("ITEM_NOT_FOUND");
      }
    });
  });
}
