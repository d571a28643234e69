import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidArgument, QueueUnavailable } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../src/index.js";

const SIZES = { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };

describe("a base URL with credentials in it", () => {
  let server: Server;
  let port: number;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

  beforeAll(async () => {
    // A server behind Basic auth (as a reverse proxy in front of task-queue would be): it records what it got.
    server = createServer((request, response) => {
      seen.push({ url: request.url ?? "", headers: request.headers });
      const expected = `Basic ${Buffer.from("robot:pa ss:w@rd").toString("base64")}`;
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { "content-type": "application/json" }).end('{"detail":"Unauthorized"}');
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(SIZES));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends them as an Authorization: Basic header, never in the request line", async () => {
    const client = new ApiClient({ baseUrl: `http://robot:pa%20ss%3Aw%40rd@127.0.0.1:${port}/` });
    expect(await client.sizes()).toEqual(SIZES);
    const last = seen.at(-1)!;
    expect(last.url).toBe("/api/v1/queue/sizes");
    expect(last.headers.authorization).toBe(`Basic ${Buffer.from("robot:pa ss:w@rd").toString("base64")}`);
    expect(last.headers.host).toBe(`127.0.0.1:${port}`);
  });

  it("never puts the password into an error message", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new ApiClient({
      baseUrl: `http://robot:hunter2-secret@127.0.0.1:${closedPort}`,
      retry: { attempts: 1 },
    });
    const error = await client.sizes().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QueueUnavailable);
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot reach the task-queue API at http:\/\/robot:\*\*\*@127\.0\.0\.1:\d+/);
    expect(message).not.toContain("hunter2-secret");
    expect(String((error as Error).cause)).not.toContain("hunter2-secret");
  });

  it("refuses credentials in the URL together with a token, without quoting the password", () => {
    const both = () => new ApiClient({ baseUrl: "http://robot:hunter2-secret@127.0.0.1:9", token: "t" });
    expect(both).toThrow(InvalidArgument);
    expect(both).toThrow(/either a token or credentials/);
    expect(both).not.toThrow(/hunter2-secret/);
  });
});
