import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "./support/cli-process.js";

/** `task-queue server` on the memory queue, on a free port, with the given shutdown settings. */
const startServer = (env: Record<string, string> = {}): CliProcess =>
  startCli(["server", "--port", "0"], { QUEUE_IMPLEMENTATION: "in-memory", ...env });

describe("task-queue server shutdown", () => {
  let server: CliProcess;
  let url: URL;

  beforeAll(async () => {
    server = startServer();
    url = new URL(String((await server.waitForLog((log) => log.msg === "API server listening")).url));
  });

  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("finishes a request in flight when SIGTERM arrives, then exits 0", async () => {
    const body = JSON.stringify({ "in-flight": { n: 1 } });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: "/api/v1/queue/put",
          // 100-continue: the server's interim answer proves it holds the request before the body is sent.
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            expect: "100-continue",
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.on("continue", () => {
        server.child.kill("SIGTERM");
        // Give the signal time to start the shutdown before the body arrives.
        void server
          .waitForLog((log) => log.msg === "stopping: finishing requests in flight")
          .then(() => req.end(body));
      });
      req.flushHeaders();
    });
    const { status } = await answer;
    expect(status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(server.lines.some((line) => line.includes('"path":"/api/v1/queue/put"'))).toBe(true);
  });
});

describe("task-queue server shutdown with a slow client", () => {
  it("closes a connection still sending its body at the shutdown deadline, then exits 0", async () => {
    const server = startServer({ SHUTDOWN_TIMEOUT_SECONDS: "1" });
    try {
      const url = new URL(String((await server.waitForLog((log) => log.msg === "API server listening")).url));
      // A raw client that announces a body and then sends it one byte at a time, for as long as it is let.
      const socket = connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      const closedByServer = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("error", () => {});
      // 100-continue: the server's interim answer proves it holds the request (not an idle connection).
      const held = new Promise<void>((resolve) =>
        socket.on("data", (chunk: Buffer) => {
          if (chunk.toString().startsWith("HTTP/1.1 100")) resolve();
        }),
      );
      socket.write(
        "POST /api/v1/queue/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          "Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n",
      );
      await held;
      socket.write("{");
      const drip = setInterval(() => {
        if (!socket.destroyed) socket.write(" ");
      }, 100);
      try {
        server.child.kill("SIGTERM");
        expect(await server.exited).toBe(0);
        await closedByServer;
      } finally {
        clearInterval(drip);
        socket.destroy();
      }
      expect(server.lines.some((line) => line.includes("shutdown deadline"))).toBe(true);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});

describe("task-queue server shutdown behind a load balancer (Kubernetes)", () => {
  it("turns /readyz 503 first while it still serves; a client running through the shutdown sees no failure", async () => {
    // Long enough for the requests below on a busy machine; the test does not wait it out (SIGKILL at the end).
    const server = startServer({ SHUTDOWN_DELAY_SECONDS: "20" });
    try {
      const url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
      const failures: string[] = [];
      let served = 0;
      let n = 0;
      /** One request as a client behind the load balancer sends it; any error or non-2xx is a failure. */
      const put = async () => {
        const id = `item-${n++}`;
        try {
          const response = await fetch(`${url}/api/v1/queue/put`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ [id]: { n } }),
          });
          if (response.status === 200) served++;
          else failures.push(`${id}: ${response.status}`);
        } catch (error) {
          failures.push(`${id}: ${String(error)}`);
        }
      };
      const ready = async () => (await fetch(`${url}/readyz`)).status;
      expect(await ready()).toBe(200);

      // The client runs before, through and after the signal, until the readiness probe takes the pod out.
      for (let i = 0; i < 20; i++) await put();
      server.child.kill("SIGTERM");
      await server.waitForLog((log) => String(log.msg).startsWith("shutting down"));
      let readiness = 200;
      while (readiness === 200) {
        await put();
        readiness = await ready();
      }
      expect(readiness).toBe(503);
      // Out of rotation, but connections that the balancer already routed (or keeps) are still served.
      for (let i = 0; i < 20; i++) await put();
      expect(failures).toEqual([]);
      expect(served).toBe(n);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("with SHUTDOWN_DELAY_SECONDS=0 stops at once and exits 0", async () => {
    const server = startServer({ SHUTDOWN_DELAY_SECONDS: "0" });
    await server.waitForLog((log) => log.msg === "API server listening");
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const order = server.lines.map((line) => /"msg":"([^"]*)"/.exec(line)?.[1]).filter(Boolean);
    expect(order.indexOf("stopping: finishing requests in flight")).toBeGreaterThan(
      order.findIndex((msg) => msg?.startsWith("shutting down")),
    );
  });
});
