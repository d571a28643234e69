import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

// The compatibility contract of the system we replace: exact status codes and exact JSON bytes. Each case starts
// from an empty queue on a server of its own and puts what it needs, so any one of them runs alone (vitest -t).
describe("compatibility contract under /api/v1/queue/", () => {
  let server: Served;
  const call = (method: string, path: string, body?: string) =>
    send(
      server.port,
      method,
      `/api/v1/queue/${path}`,
      body,
      body ? { "content-type": "application/json" } : {},
    );

  /** a, b and c in WAITING, in that order. */
  const putABC = async () => {
    expect(await call("POST", "put", '{"a":{"x":1},"b":[1,2],"c":"s"}')).toMatchObject({
      status: 200,
      text: "null",
    });
  };

  beforeEach(async () => {
    server = await serveOnLoopback(createApp({ queues: new InMemoryQueueNamespace() }));
  });
  afterEach(() => server.close());

  it("put answers null, then names every id already present", async () => {
    await putABC();
    expect(await call("POST", "put", '{"a":0,"d":0,"b":0}')).toMatchObject({
      status: 200,
      text: `{"detail":["Item 'a' already in queue. Skipping.","Item 'b' already in queue. Skipping."]}`,
    });
  });

  it("size, sizes, lookup_state and status answer with bare JSON", async () => {
    await putABC();
    expect(await call("POST", "put", '{"d":0}')).toMatchObject({ status: 200, text: "null" });
    expect(await call("GET", "size/WAITING")).toMatchObject({ status: 200, text: "4" });
    expect(await call("GET", "size/FAIL")).toMatchObject({ status: 200, text: "0" });
    expect(await call("GET", "sizes")).toMatchObject({
      status: 200,
      text: '{"WAITING":4,"PROCESSING":0,"SUCCESS":0,"FAIL":0}',
    });
    expect(await call("GET", "lookup_state/WAITING")).toMatchObject({
      status: 200,
      text: '["a","b","c","d"]',
    });
    expect(await call("GET", "status/a")).toMatchObject({ status: 200, text: "0" });
  });

  it("a stage that is not a stage name is 400 with the contract's message", async () => {
    for (const stage of ["BOGUS", "waiting", "7"]) {
      expect(await call("GET", `size/${stage}`)).toMatchObject({
        status: 400,
        text: `{"detail":"${stage} not a Queue Item Stage"}`,
      });
      expect(await call("GET", `lookup_state/${stage}`)).toMatchObject({
        status: 400,
        text: `{"detail":"${stage} not a Queue Item Stage"}`,
      });
    }
  });

  it("an unknown id is 400 '<id> not in Queue' for status and lookup_item", async () => {
    expect(await call("GET", "status/nobody")).toMatchObject({
      status: 400,
      text: '{"detail":"nobody not in Queue"}',
    });
    expect(await call("GET", "lookup_item/nobody")).toMatchObject({
      status: 400,
      text: '{"detail":"nobody not in Queue"}',
    });
  });

  it("get hands out [[id, body], …] and lookup_item reports the new stage", async () => {
    await putABC();
    expect(await call("GET", "get/2")).toMatchObject({ status: 200, text: '[["a",{"x":1}],["b",[1,2]]]' });
    expect(await call("GET", "lookup_item/a")).toMatchObject({
      status: 200,
      text: '{"item_id":"a","status":1,"item_body":{"x":1}}',
    });
    expect(await call("GET", "status/b")).toMatchObject({ status: 200, text: "1" });
  });

  it("n_items must be a positive integer, else 422 naming n_items", async () => {
    for (const n of ["0", "-1", "1.5", "abc", "1e3"]) {
      const response = await call("GET", `get/${n}`);
      expect(response.status, n).toBe(422);
      expect(JSON.parse(response.text).detail[0].loc).toEqual(["path", "n_items"]);
    }
  });

  it("put with a body that is not an object is 422 and writes nothing", async () => {
    await putABC();
    for (const body of ["[1,2]", '"a"', "3", "null"]) {
      const response = await call("POST", "put", body);
      expect(response.status, body).toBe(422);
      expect(JSON.parse(response.text).detail[0]).toMatchObject({ loc: ["body"] });
    }
    expect((await call("GET", "sizes")).text).toBe('{"WAITING":3,"PROCESSING":0,"SUCCESS":0,"FAIL":0}');
  });

  it("requeue takes a string or a list, answers null, and names ids not in FAIL", async () => {
    await putABC();
    expect((await call("GET", "get/2")).status).toBe(200); // a and b to PROCESSING
    expect(await call("POST", "fail/a")).toMatchObject({ status: 200, text: "null" });
    expect(await call("POST", "fail/b")).toMatchObject({ status: 200, text: "null" });
    expect(await call("POST", "requeue", '"a"')).toMatchObject({ status: 200, text: "null" });
    expect(await call("POST", "requeue", '["b"]')).toMatchObject({ status: 200, text: "null" });
    expect(await call("POST", "requeue", '["c","ghost"]')).toMatchObject({
      status: 200,
      text: `{"detail":["Item 'c' not in a FAIL state. Skipping.","Item 'ghost' not in a FAIL state. Skipping."]}`,
    });
  });

  it("describe names the implementation and its arguments", async () => {
    expect(await call("GET", "describe")).toMatchObject({
      status: 200,
      text: '{"implementation":"InMemoryQueue","arguments":{"queue_name":"default"}}',
    });
  });

  it("validation errors are 422 with a detail naming the field and the problem", async () => {
    const response = await call("POST", "requeue", '["ok", 5]');
    expect(response.status).toBe(422);
    const detail = JSON.parse(response.text).detail;
    expect(detail[0].loc).toEqual(["body", 1]);
    expect(detail[0].msg).toMatch(/string/);
  });
});
