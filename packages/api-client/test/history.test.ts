import { createApp } from "@task-queue/api-server";
import { type Served, serveOnLoopback } from "@task-queue/api-server/testing";
import { InMemoryQueueNamespace, ItemNotFound } from "@task-queue/queue-core";
import { InMemoryEventStore, type QueueNamespaceWithEvents, withEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../src/index.js";

interface Backend {
  label: string;
  open(): Promise<{ queues: QueueNamespaceWithEvents; dispose(): Promise<void> }>;
}

const names = { base: "TASK" };

const backends: Backend[] = [
  {
    label: "InMemoryQueueNamespace + InMemoryEventStore",
    open: async () => {
      const queues = withEvents(new InMemoryQueueNamespace(), new InMemoryEventStore(), names);
      return { queues, dispose: () => queues.close() };
    },
  },
  {
    label: "SqlQueueNamespace + SqlEventStore on one PostgreSQL connection",
    open: async () => {
      const url = await testDatabaseUrl();
      const queueTable = randomTableName("tq_api");
      const eventTable = randomTableName("tq_api");
      const namespace = await SqlQueueNamespace.open({ connection: url, tableName: queueTable });
      const store = new SqlEventStore(namespace.queue("default").database, { table: eventTable });
      await store.migrate();
      const queues = withEvents(namespace, store, names);
      return {
        queues,
        dispose: async () => {
          await queues.close();
          await dropQueueTable(url, queueTable);
          await dropQueueTable(url, eventTable);
        },
      };
    },
  },
];

/** put → get → fail → requeue → get → success, all through the client. */
async function live(client: ApiClient, id: string): Promise<void> {
  await client.put({ [id]: { scene: "intro" } });
  expect(await client.get(1)).toEqual([[id, { scene: "intro" }]]);
  await client.fail(id);
  expect((await client.requeue(id)).requeued).toEqual([id]);
  expect(await client.get(1)).toEqual([[id, { scene: "intro" }]]);
  await client.success(id);
}

const LIFE_STAGES = ["WAITING", "PROCESSING", "FAIL", "WAITING", "PROCESSING", "SUCCESS"];

for (const backend of backends) {
  describe(`ApiClient.history over ${backend.label}`, () => {
    let opened: Awaited<ReturnType<Backend["open"]>>;
    let server: Served;
    beforeAll(async () => {
      opened = await backend.open();
      server = await serveOnLoopback(createApp({ queues: opened.queues }));
    });
    afterAll(async () => {
      await server?.close();
      await opened?.dispose();
    });

    for (const queueName of [null, "renders"]) {
      it(`${queueName ?? "the default queue"}: the same entries as queue-events' own history()`, async () => {
        const base = new ApiClient({ baseUrl: server.baseUrl });
        const client = queueName === null ? base : base.queue(queueName);
        await live(client, "frame/1");
        const overHttp = await client.history("frame/1");
        expect(overHttp.map((e) => e.to)).toEqual(LIFE_STAGES);
        expect(overHttp.map((e) => e.from)).toEqual([null, ...LIFE_STAGES.slice(0, -1)]);
        expect(overHttp).toEqual(await opened.queues.queue(queueName ?? "default").history("frame/1"));
      });
    }

    it("an unknown id → ItemNotFound naming the id", async () => {
      const client = new ApiClient({ baseUrl: server.baseUrl }).queue("renders");
      await expect(client.history("nobody")).rejects.toSatisfy(
        (e) => e instanceof ItemNotFound && e.itemId === "nobody",
      );
    });
  });
}
