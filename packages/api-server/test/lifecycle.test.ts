import { request } from "node:http";
import { type InMemoryQueue, InMemoryQueueNamespace, type Job } from "@task-queue/queue-core";
import { WaitObservedQueue } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

const json = { "content-type": "application/json" };

describe("lifecycle routes", () => {
  let server: Served;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await send(
      server.port,
      method,
      `/api/v1/queues/jobs/${path}`,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? {} : json,
    );
    return { ...response, json: JSON.parse(response.text) as unknown };
  };
  const sizes = async () => (await call("GET", "sizes")).json;

  beforeAll(async () => {
    server = await serveOnLoopback(createApp({ queues: new InMemoryQueueNamespace() }));
  });
  afterAll(() => server.close());

  it("put_jobs stores options; item shows every field in snake_case", async () => {
    const put = await call("POST", "put_jobs", [
      { item_id: "a", body: { n: 1 }, priority: 5, max_attempts: 3 },
      { item_id: "later", body: 2, delay_seconds: 3600 },
      { item_id: "at", body: 3, run_after: "2099-01-01T00:00:00Z" },
    ]);
    expect(put).toMatchObject({ status: 200, json: { added: ["a", "later", "at"], skipped: [] } });
    expect((await call("POST", "put_jobs", [{ item_id: "a", body: 0 }])).json).toEqual({
      added: [],
      skipped: ["a"],
    });
    const record = (await call("GET", "item/a")).json as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(
      [
        "item_id",
        "stage",
        "body",
        "attempts",
        "max_attempts",
        "priority",
        "run_after",
        "lease_expires_at",
        "last_error",
        "result",
        "created_at",
        "updated_at",
      ].sort(),
    );
    expect(record).toMatchObject({
      item_id: "a",
      stage: "WAITING",
      body: { n: 1 },
      attempts: 0,
      max_attempts: 3,
      priority: 5,
      run_after: null,
      lease_expires_at: null,
      last_error: null,
      result: null,
    });
    expect(new Date(record.created_at as string).toISOString()).toBe(record.created_at);
    expect((await call("GET", "item/at")).json).toMatchObject({ run_after: "2099-01-01T00:00:00.000Z" });
    expect(await call("GET", "item/ghost")).toMatchObject({
      status: 400,
      json: { detail: "ghost not in Queue" },
    });
  });

  it("bad put_jobs input is 422 naming the problem, and nothing is written", async () => {
    const before = await sizes();
    for (const bad of [
      [{ item_id: "x", body: 1, priority: 1.5 }],
      [{ item_id: "x", body: 1, max_attempts: 0 }],
      [{ item_id: "x", body: 1, delay_seconds: -1 }],
      [{ item_id: "x", body: 1, run_after: "tomorrow" }],
      [{ item_id: "x", body: 1, delay_seconds: 1, run_after: "2099-01-01T00:00:00Z" }],
      [{ item_id: "x", body: 1, max_attempt: 3 }],
      [{ item_id: "x" }],
      [{ item_id: "", body: 1 }],
      { x: 1 },
    ]) {
      const response = await call("POST", "put_jobs", [{ item_id: "fine", body: 1 }, ...[bad].flat()]);
      expect(response.status, JSON.stringify(bad)).toBe(422);
      expect(JSON.stringify(response.json), JSON.stringify(bad)).toMatch(/"msg":"[^"]+"/);
    }
    expect(await sizes()).toEqual(before);
    expect((await call("GET", "status/fine")).status).toBe(400);
  });

  it("get_jobs hands out attempt and lease; legacy get takes a lease and keeps its answer", async () => {
    const jobs = (await call("GET", "get_jobs/1?lease_seconds=600")).json as Array<Record<string, unknown>>;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ item_id: "a", body: { n: 1 }, attempt: 1 });
    const expires = Date.parse(jobs[0]!.lease_expires_at as string);
    expect(Math.abs(expires - (Date.now() + 600_000))).toBeLessThan(60_000);

    await send(server.port, "POST", "/api/v1/queues/jobs/put", '{"b":[1]}', json);
    const legacy = await send(server.port, "GET", "/api/v1/queues/jobs/get/1?lease_seconds=30");
    expect(legacy).toMatchObject({ status: 200, text: '[["b",[1]]]' });
    expect((await call("GET", "item/b")).json).toMatchObject({ stage: "PROCESSING", attempts: 1 });
    expect((await call("GET", "item/b")).json).not.toMatchObject({ lease_expires_at: null });
  });

  it("bad lease_seconds and wait_seconds are 422 naming the parameter, and take nothing", async () => {
    const before = await sizes();
    for (const query of ["lease_seconds=0", "lease_seconds=-1", "lease_seconds=abc", "wait_seconds=61"]) {
      for (const route of ["get_jobs/1", "get/1"]) {
        const response = await call("GET", `${route}?${query}`);
        expect(response.status, `${route}?${query}`).toBe(422);
        const [problem] = (response.json as { detail: Array<{ loc: string[] }> }).detail;
        expect(problem!.loc).toEqual(["query", query.split("=")[0]]);
      }
    }
    expect(await sizes()).toEqual(before);
  });

  it("extend renews a lease; a stale attempt is 409 LEASE_LOST and changes nothing", async () => {
    const extended = await call("POST", "extend/a", { lease_seconds: 900, attempt: 1 });
    expect(extended.status).toBe(200);
    const expires = (extended.json as { lease_expires_at: string }).lease_expires_at;
    expect((await call("GET", "item/a")).json).toMatchObject({ lease_expires_at: expires });

    const stale = await call("POST", "extend/a", { lease_seconds: 10, attempt: 2 });
    expect(stale.status).toBe(409);
    expect(stale.headers["x-error-code"]).toBe("LEASE_LOST");
    expect(stale.json).toEqual({
      detail: expect.stringContaining('attempt 2 of item "a" no longer holds it'),
      code: "LEASE_LOST",
      item_id: "a",
      attempt: 2,
      current_attempt: 1,
    });
    for (const [path, body] of [
      ["success/a", { attempt: 2 }],
      ["fail/a", { attempt: 2, reason: "late" }],
    ] as const) {
      const response = await call("POST", path, body);
      expect(response.status, path).toBe(409);
      expect((response.json as { code: string }).code).toBe("LEASE_LOST");
    }
    expect((await call("GET", "item/a")).json).toMatchObject({
      stage: "PROCESSING",
      lease_expires_at: expires,
      last_error: null,
    });
    for (const body of [{ lease_seconds: 0, attempt: 1 }, { attempt: 1 }, { lease_seconds: 5, attempt: 0 }]) {
      expect((await call("POST", "extend/a", body)).status, JSON.stringify(body)).toBe(422);
    }
  });

  it("fail with a body answers where the item went; success with a body stores the result", async () => {
    expect(
      await call("POST", "fail/a", { attempt: 1, reason: "flaky", retry_delay_seconds: 0 }),
    ).toMatchObject({
      status: 200,
      json: { stage: "WAITING" },
    });
    expect((await call("GET", "item/a")).json).toMatchObject({
      stage: "WAITING",
      attempts: 1,
      last_error: "flaky",
      lease_expires_at: null,
    });
    const [again] = (await call("GET", "get_jobs/1")).json as Job[];
    expect(again).toMatchObject({ item_id: "a", attempt: 2, lease_expires_at: null });
    expect(await call("POST", "success/a", { attempt: 2, result: { frames: 12 } })).toMatchObject({
      status: 200,
      text: "null",
    });
    expect((await call("GET", "item/a")).json).toMatchObject({ stage: "SUCCESS", result: { frames: 12 } });
    expect(await call("POST", "fail/b", {})).toMatchObject({ status: 200, json: { stage: "FAIL" } });
    expect(await call("POST", "success/b", { resultt: 1 })).toMatchObject({ status: 422 });
  });

  it("batch success and fail take ids and objects; stale attempts are skipped as LEASE_LOST", async () => {
    await call("POST", "put_jobs", [
      { item_id: "m1", body: 1, max_attempts: 2 },
      { item_id: "m2", body: 2 },
      { item_id: "m3", body: 3 },
    ]);
    await call("POST", "retry_now", ["later", "at"]);
    await call("GET", "get_jobs/10");
    const ok = await call("POST", "success", [
      { item_id: "m2", attempt: 1, result: "r" },
      "m3",
      { item_id: "at", attempt: 9 },
    ]);
    expect(ok.json).toEqual({ moved: ["m2", "m3"], skipped: [{ id: "at", reason: "LEASE_LOST" }] });
    const bad = await call("POST", "fail", [
      { item_id: "m1", reason: "again", retry_delay_seconds: 0 },
      "later",
      "m2",
    ]);
    expect(bad.json).toEqual({
      moved: ["m1", "later"],
      retried: ["m1"],
      skipped: [{ id: "m2", reason: "WRONG_STAGE", stage: "SUCCESS" }],
    });
    expect((await call("POST", "success", [{ item_id: "m1", attempt: "1" }])).status).toBe(422);
  });

  it("cancel, delete, retry_now and rescue_expired", async () => {
    await call("POST", "put_jobs", [
      { item_id: "c1", body: 1 },
      { item_id: "c2", body: 2, delay_seconds: 3600 },
    ]);
    expect(await call("POST", "cancel/c1", { reason: "not needed" })).toMatchObject({
      status: 200,
      text: "null",
    });
    expect((await call("GET", "item/c1")).json).toMatchObject({ stage: "FAIL", last_error: "not needed" });
    expect(await call("POST", "cancel/c1")).toMatchObject({
      status: 409,
      json: { action: "cancel", from: "FAIL" },
    });
    expect((await call("POST", "retry_now", ["c2", "ghost"])).json).toEqual({
      moved: ["c2"],
      skipped: [{ id: "ghost", reason: "NOT_FOUND" }],
    });
    await call("GET", "get_jobs/5?lease_seconds=0.1");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rescued = (await call("POST", "rescue_expired")).json as { retried: string[]; failed: string[] };
    expect(rescued.failed).toContain("c2");
    expect((await call("GET", "item/c2")).json).toMatchObject({ stage: "FAIL", last_error: "lease expired" });
    const deleted = await call("POST", "delete", ["c1", "c2", "ghost"]);
    expect(deleted.json).toEqual({ deleted: ["c1", "c2"], skipped: [{ id: "ghost", reason: "NOT_FOUND" }] });
    expect((await call("GET", "status/c1")).status).toBe(400);
    expect((await call("POST", "delete", ["ok", ""])).status).toBe(422);
  });
});

const serving = (queue: InMemoryQueue) =>
  createApp({ queues: { queue: () => queue, listQueues: async () => ["held"], close: async () => {} } });

describe("wait_seconds holds the request", () => {
  it("a client that disconnects mid-wait takes nothing: items put afterwards stay WAITING", async () => {
    const queue = new WaitObservedQueue({ name: "held" });
    let open = 0;
    const server = await serveOnLoopback(serving(queue), (socket) => {
      open++;
      socket.once("close", () => open--);
    });
    try {
      const req = request({
        host: "127.0.0.1",
        port: server.port,
        path: "/api/v1/queues/held/get_jobs/5?wait_seconds=60&lease_seconds=60",
      });
      req.on("error", () => {});
      req.end();
      await queue.heldSince;
      req.destroy();
      // Until the server has seen the connection close; then the work arrives.
      while (open > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await queue.put({ late: 1, later: 2 });
      // Let every pending callback run: a waiter that outlived its client would take the items now.
      await new Promise((resolve) => setImmediate(resolve));
      expect(await queue.sizes()).toEqual({ WAITING: 2, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
      expect((await queue.lookupRecord("late")).attempts).toBe(0);
      expect(await queue.answered).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("a client that stays gets the work as soon as it arrives", async () => {
    const queue = new WaitObservedQueue({ name: "held" });
    const server = await serveOnLoopback(serving(queue));
    try {
      const answer = send(server.port, "GET", "/api/v1/queues/held/get/5?wait_seconds=60");
      await queue.heldSince;
      await queue.put({ arrived: { x: 1 } });
      expect(await answer).toMatchObject({ status: 200, text: '[["arrived",{"x":1}]]' });
    } finally {
      await server.close();
    }
  });
});
