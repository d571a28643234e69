import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { recordingLogger } from "@task-queue/queue-core/testing";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * A TCP proxy on loopback in front of PostgreSQL that can stop forwarding: the database "goes away" without
 * refusing connections (a network partition, a frozen server), which is what made /readyz hang.
 */
class HoldingProxy {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private holding = false;
  port = 0;

  async start(target: URL): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => this.sockets.delete(socket));
        if (this.holding) socket.pause();
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  hold(): void {
    this.holding = true;
    for (const socket of this.sockets) socket.pause();
  }

  release(): void {
    this.holding = false;
    for (const socket of this.sockets) socket.resume();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("/readyz during a database outage", () => {
  const table = `tq_ready_${randomBytes(5).toString("hex")}`;
  const logger = recordingLogger();
  const proxy = new HoldingProxy();
  let queues: SqlQueueNamespace;
  let served: Served;

  beforeAll(async () => {
    const target = new URL(DATABASE_URL);
    await proxy.start(target);
    const viaProxy = new URL(DATABASE_URL);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    queues = await SqlQueueNamespace.open({ connection: viaProxy.toString(), tableName: table, poolSize: 2 });
    served = await serveOnLoopback(createApp({ queues, logger, readyTimeoutMs: 500 }));
  });

  afterAll(async () => {
    proxy.release();
    await served?.close();
    if (queues) {
      const db = queues.queue("default").database;
      await dropQueueTable(db, table);
      await queues.close();
    }
    await proxy.close();
  });

  it("answers 503 once its own time limit passes while the database does not answer, and 200 again after", async () => {
    expect((await send(served.port, "GET", "/readyz")).status).toBe(200);
    proxy.hold();
    const held = await send(served.port, "GET", "/readyz");
    expect(held).toMatchObject({ status: 503, text: '{"status":"unavailable"}' });
    // The check was cut short by the route's time limit, not by a driver error (the driver would wait for ever).
    const failed = logger.records.find((r) => r.msg === "readiness check failed");
    expect(String((failed?.obj.err as Error | undefined)?.message)).toMatch(/no answer within 500 ms/);
    proxy.release();
    expect((await send(served.port, "GET", "/readyz")).status).toBe(200);
  });

  it("rejects a time limit that is not a positive integer", () => {
    expect(() => createApp({ queues, readyTimeoutMs: 0 })).toThrow(/readyTimeoutMs/);
  });
});
