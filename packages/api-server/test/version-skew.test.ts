import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import * as core from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

/**
 * An application whose queue comes from another copy of queue-core than the one api-server was built against (two
 * versions side by side in node_modules): its errors are instances of the other copy's classes. They must still be
 * answered 400/409/422 by their stable code, not 500.
 */
describe("a queue from a second copy of queue-core", () => {
  const folder = mkdtempSync(join(tmpdir(), "tq-skew-"));
  let server: Served;
  let other: typeof core;

  beforeAll(async () => {
    const coreDist = dirname(createRequire(import.meta.url).resolve("@task-queue/queue-core"));
    cpSync(coreDist, join(folder, "dist"), { recursive: true });
    writeFileSync(join(folder, "package.json"), JSON.stringify({ type: "module" }));
    other = (await import(pathToFileURL(join(folder, "dist/index.js")).href)) as typeof core;
    server = await serveOnLoopback(createApp({ queues: new other.InMemoryQueueNamespace() }));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("really is a second copy: its errors are not instances of ours", () => {
    const error = new other.ItemNotFound("x");
    expect(error).not.toBeInstanceOf(core.QueueError);
    expect(core.isQueueError(error, "ITEM_NOT_FOUND")).toBe(true);
    expect(core.isQueueError(error, "INVALID_STAGE")).toBe(false);
    expect(core.isQueueError(Object.assign(new Error("no"), { code: "ECONNREFUSED" }))).toBe(false);
  });

  it("answers an unknown item 400, a wrong move 409 and a bad item 422, as with one copy", async () => {
    const missing = await send(server.port, "GET", "/api/v1/queue/status/nope");
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toEqual({ detail: "nope not in Queue" });

    const json = { "content-type": "application/json" };
    const put = await send(server.port, "POST", "/api/v1/queue/put", JSON.stringify({ a: 1 }), json);
    expect(put.status).toBe(200);
    const wrongMove = await send(server.port, "POST", "/api/v1/queue/success/a");
    expect(wrongMove.status).toBe(409);
    expect(JSON.parse(wrongMove.text)).toMatchObject({ item_id: "a", action: "success", from: "WAITING" });

    const badId = await send(server.port, "POST", "/api/v1/queue/put", JSON.stringify({ "": 1 }), json);
    expect(badId.status).toBe(422);
  });
});
