import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createApp } from "@task-queue/api-server";
import { type Served, serveOnLoopback } from "@task-queue/api-server/testing";
import { InMemoryQueueNamespace, QueueUnavailable } from "@task-queue/queue-core";
import { EVERY_CAPABILITY, runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../src/index.js";
import { type NodeFetch, nodeFetch } from "../src/node-fetch.js";

// Every Queue behaviour over HTTP, sent by nodeFetch instead of the global fetch.
let server: Served;
let shared: NodeFetch;
beforeAll(async () => {
  server = await serveOnLoopback(createApp({ queues: new InMemoryQueueNamespace() }));
  shared = nodeFetch();
});
afterAll(async () => {
  shared.close();
  await server.close();
});

runQueueConformance(
  "ApiClient (nodeFetch) → HTTP → InMemoryQueue (named queue)",
  () => new ApiClient({ baseUrl: server.baseUrl, fetch: shared }).queue(`q-${randomUUID()}`),
  { ...EVERY_CAPABILITY, controllerStatus: false, rescueReports: false },
  { implementation: "InMemoryQueue" },
);

/** A plain node:http server on a loopback port, answering with `handle`; closed after each test. */
const opened: Server[] = [];
async function plainServer(
  handle: (request: IncomingMessage, response: ServerResponse, body: string) => void,
): Promise<string> {
  const plain = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => handle(request, response, body));
  });
  opened.push(plain);
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
}
afterEach(async () => {
  for (const plain of opened.splice(0)) {
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
  }
});

describe("nodeFetch", () => {
  it("sends the method, headers and body, and answers with the status, headers and body", async () => {
    const base = await plainServer((request, response, body) => {
      response.writeHead(201, {
        "content-type": "application/json",
        "x-seen": request.headers["x-mark"] ?? "",
      });
      response.end(JSON.stringify({ method: request.method, url: request.url, body }));
    });
    const fetch = nodeFetch();
    try {
      const response = await fetch(`${base}/path?q=1`, {
        method: "post",
        headers: new Headers({ "x-mark": "m1", "content-type": "application/json" }),
        body: '{"é":1}',
      });
      expect(response.status).toBe(201);
      expect(response.headers.get("x-seen")).toBe("m1");
      expect(await response.json()).toEqual({ method: "POST", url: "/path?q=1", body: '{"é":1}' });
    } finally {
      fetch.close();
    }
  });

  it("answers 204 with no body", async () => {
    const base = await plainServer((_request, response) => {
      response.writeHead(204, { "x-empty": "yes" });
      response.end();
    });
    const fetch = nodeFetch();
    try {
      const response = await fetch(base, {});
      expect(response.status).toBe(204);
      expect(response.body).toBeNull();
      expect(response.headers.get("x-empty")).toBe("yes");
    } finally {
      fetch.close();
    }
  });

  it("follows redirects as fetch does: 307 keeps the method and body, 303 turns to GET, manual returns the 3xx", async () => {
    const base = await plainServer((request, response, body) => {
      if (request.url === "/keep") response.writeHead(307, { location: "/echo" }).end();
      else if (request.url === "/see-other") response.writeHead(303, { location: "/echo" }).end();
      else response.end(`${request.method} ${body}`);
    });
    const fetch = nodeFetch();
    try {
      expect(await (await fetch(`${base}/keep`, { method: "POST", body: "b1" })).text()).toBe("POST b1");
      expect(await (await fetch(`${base}/see-other`, { method: "POST", body: "b2" })).text()).toBe("GET ");
      const manual = await fetch(`${base}/keep`, { method: "POST", body: "b3", redirect: "manual" });
      expect(manual.status).toBe(307);
      expect(manual.headers.get("location")).toBe("/echo");
      await expect(fetch(`${base}/keep`, { redirect: "error" })).rejects.toThrow(/redirected to \/echo/);
    } finally {
      fetch.close();
    }
  });

  it("rejects with the signal's reason: a timeout stays a TimeoutError, and ApiClient reports it as no answer", async () => {
    const base = await plainServer(() => {
      // Never answers.
    });
    const fetch = nodeFetch();
    try {
      const error = await fetch(base, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe("TimeoutError");
      const client = new ApiClient({ baseUrl: base, fetch, timeoutMs: 50 });
      await expect(client.sizes()).rejects.toSatisfy(
        (e) => e instanceof QueueUnavailable && /no answer within 50 ms/.test(e.message),
      );
    } finally {
      fetch.close();
    }
  });

  it("sends a request again on a new connection when the server closed the kept-alive one it went out on", async () => {
    // Each connection answers its first request and drops the next one unread: what a server closing an idle
    // connection does to a request that crosses its close.
    const served = new WeakMap<Socket, number>();
    let dropped = 0;
    const base = await plainServer((request, response) => {
      const count = (served.get(request.socket) ?? 0) + 1;
      served.set(request.socket, count);
      if (count > 1) {
        dropped++;
        request.socket.destroy();
        return;
      }
      response.end(request.url);
    });
    const fetch = nodeFetch();
    try {
      expect(await (await fetch(`${base}/first`, {})).text()).toBe("/first");
      expect(await (await fetch(`${base}/second`, { method: "POST", body: "x" })).text()).toBe("/second");
      expect(dropped).toBe(1);
    } finally {
      fetch.close();
    }
  });

  it("does not send again a request whose answer was cut off: the server read it and acted on it", async () => {
    let cut = 0;
    const served = new WeakMap<Socket, number>();
    const base = await plainServer((request, response) => {
      const count = (served.get(request.socket) ?? 0) + 1;
      served.set(request.socket, count);
      if (count === 1) {
        response.end("whole");
        return;
      }
      cut++;
      response.writeHead(200, { "content-length": "100" });
      response.write("only a part", () => request.socket.destroy());
    });
    const fetch = nodeFetch();
    try {
      expect(await (await fetch(`${base}/first`, {})).text()).toBe("whole");
      await expect(fetch(`${base}/second`, { method: "POST", body: "x" })).rejects.toBeInstanceOf(Error);
      expect(cut).toBe(1);
    } finally {
      fetch.close();
    }
  });

  it("does not send again when a new connection fails: the caller sees the error", async () => {
    const base = await plainServer((request) => request.socket.destroy());
    const fetch = nodeFetch();
    try {
      await expect(fetch(base, {})).rejects.toMatchObject({ code: "ECONNRESET" });
      const client = new ApiClient({ baseUrl: base, fetch, retry: { attempts: 1 } });
      await expect(client.sizes()).rejects.toBeInstanceOf(QueueUnavailable);
    } finally {
      fetch.close();
    }
  });

  it("refuses what it cannot send", async () => {
    const fetch = nodeFetch();
    try {
      await expect(fetch("ftp://127.0.0.1/x", {})).rejects.toThrow(/unsupported protocol ftp:/);
      await expect(fetch("http://127.0.0.1:9/", { method: "POST", body: new FormData() })).rejects.toThrow(
        /string or byte bodies only/,
      );
    } finally {
      fetch.close();
    }
  });
});
