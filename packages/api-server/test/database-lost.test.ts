import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { withEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, dropTables, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

interface Relay {
  /** The database URL, through the relay. */
  url: string;
  /** Stops listening and cuts every relayed connection: the database is gone for whoever used the relay. */
  close(): Promise<void>;
}

/** A TCP relay on a loopback port to the tests' PostgreSQL server. */
async function relayTo(databaseUrl: string): Promise<Relay> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const relayed = new URL(databaseUrl);
  relayed.hostname = "127.0.0.1";
  relayed.port = String((server.address() as AddressInfo).port);
  return {
    url: relayed.toString(),
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

describe("when the database goes away, every route answers 503", () => {
  const queueTable = randomTableName("tq_lost");
  const eventTable = randomTableName("tq_lost_events");
  let relay: Relay;
  let namespace: SqlQueueNamespace;
  let server: Served;

  beforeAll(async () => {
    relay = await relayTo(await testDatabaseUrl());
    namespace = await SqlQueueNamespace.open({ connection: relay.url, tableName: queueTable });
    const store = new SqlEventStore(namespace.queue("default").database, { table: eventTable });
    await store.migrate();
    server = await serveOnLoopback(createApp({ queues: withEvents(namespace, store, { base: "TASK" }) }));
  });

  afterAll(async () => {
    await server?.close();
    await relay?.close();
    await namespace?.close();
    const url = await testDatabaseUrl();
    await dropQueueTable(url, queueTable);
    await dropTables(url, eventTable, `${eventTable}_migrations`);
  });

  it("answers 503 from the queue routes and from history alike, naming no connection details", async () => {
    expect(
      await send(server.port, "POST", "/api/v1/queue/put", '{"a":{"n":1}}', {
        "content-type": "application/json",
      }),
    ).toMatchObject({
      status: 200,
    });
    expect((await send(server.port, "GET", "/api/v1/queue/history/a")).status).toBe(200);

    await relay.close();

    for (const path of [
      "/api/v1/queue/sizes",
      "/api/v1/queue/lookup_item/a",
      "/api/v1/queue/history/a",
      "/api/v1/queues/default/history/a",
    ]) {
      const response = await send(server.port, "GET", path);
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(response.text).not.toContain(relay.url);
      expect(response.text).not.toContain("127.0.0.1");
    }
  });
});
