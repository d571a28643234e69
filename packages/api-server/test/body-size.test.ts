import { request } from "node:http";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

const LIMIT = 4096;

/** POSTs a body in chunks with Transfer-Encoding: chunked, so the server cannot judge it by a Content-Length. */
function sendChunked(
  port: number,
  path: string,
  chunks: string[],
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path,
        agent: false,
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (part: string) => {
          text += part;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    // The server may answer 413 and close before the whole body is written.
    req.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" ? undefined : reject(error)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

// The size limit judges a Content-Length body by its header and counts a chunked one as it streams: both ways a body
// over the limit is refused whole (413) and the queue is left as it was.
describe("body size limit", () => {
  let server: Served;
  const sizes = async () => JSON.parse((await send(server.port, "GET", "/api/v1/queue/sizes")).text);

  beforeAll(async () => {
    server = await serveOnLoopback(
      createApp({ queues: new InMemoryQueueNamespace(), limits: { maxBodyBytes: LIMIT, maxItems: 100 } }),
    );
  });
  afterAll(() => server.close());

  it("refuses a Content-Length body over the limit", async () => {
    const body = JSON.stringify({ big: "x".repeat(LIMIT) });
    const response = await send(server.port, "POST", "/api/v1/queue/put", body, {
      "content-type": "application/json",
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text).detail).toContain(`${LIMIT} bytes`);
    expect(await sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
  });

  it("refuses a chunked body once it passes the limit", async () => {
    const chunks = ['{"big":"', ..."x".repeat(LIMIT).match(/.{1,512}/g)!, '"}'];
    const response = await sendChunked(server.port, "/api/v1/queue/put", chunks);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text).detail).toContain(`${LIMIT} bytes`);
    expect(await sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
  });

  it("takes a chunked body under the limit", async () => {
    const response = await sendChunked(server.port, "/api/v1/queue/put", ['{"small"', ':{"n":1}}']);
    expect(response.status).toBe(200);
    expect(await sizes()).toEqual({ WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
    const stored = JSON.parse((await send(server.port, "GET", "/api/v1/queue/lookup_item/small")).text);
    expect(stored.item_body).toEqual({ n: 1 });
  });

  it("takes a Content-Length body exactly at the limit", async () => {
    const prefix = '{"edge":"';
    const body = `${prefix}${"y".repeat(LIMIT - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const response = await send(server.port, "POST", "/api/v1/queue/put", body, {
      "content-type": "application/json",
    });
    expect(response.status).toBe(200);
    expect((await sizes()).WAITING).toBe(2);
  });
});
