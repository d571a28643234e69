import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_JSON_CONTAINERS } from "../src/index.js";
import { send } from "./http.js";
import { databaseUrl, dropTable, randomTableName } from "./postgres.js";

// Abuse of a real server process (the built app on PostgreSQL): its memory after 10,000 rejected requests, and
// /healthz while the most hostile body the size limit lets through is being rejected. Figures are printed.
const script = fileURLToPath(new URL("./fixtures/serve.mjs", import.meta.url));
const json = { "content-type": "application/json" };
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Resident set size of a process, from /proc: measured from outside, as an operator would. */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  if (line === null) throw new Error("no VmRSS in /proc/<pid>/status");
  return Number(line[1]) * 1024;
}

/** Every kind of rejection the issue found, and more: each must be a 4xx that changes nothing. */
const deep = (n: number) => `{"deep":${"[".repeat(n)}${"]".repeat(n)}}`;
const REJECTED: Array<[string, string, string | undefined, Record<string, string>, number]> = [
  ["POST", "/api/v1/queue/put", deep(5_000), json, 422],
  ["POST", "/api/v1/queue/put", deep(100_000), json, 422],
  ["POST", "/api/v1/queue/put", '{"s":"\\ud800"}', json, 422],
  ["POST", "/api/v1/queue/put", '{"k":"\\u0000"}', json, 422],
  ["POST", "/api/v1/queue/put", '{"k":{"\\u0000":1}}', json, 422],
  ["POST", "/api/v1/queue/put", '{"plain":1}', { "content-type": "text/plain" }, 415],
  ["POST", "/api/v1/queue/put", '{"none":1}', {}, 415],
  ["POST", "/api/v1/queue/put", '{"a": ', json, 422],
  ["GET", "/api/v1/queue/lookup_state_page/WAITING?cursor=%00", undefined, {}, 422],
  ["GET", "/api/v1/queue/lookup_item/%00", undefined, {}, 422],
  ["GET", "/api/v1/queue/status/nobody", undefined, {}, 400],
  ["POST", "/api/v1/queue/success/waiting", undefined, {}, 409],
  ["GET", "/api/v1/queue/get/99999999999999999999", undefined, {}, 422],
  ["POST", "/api/v1/queues/..%2Fx/put", '{"z":1}', json, 422],
];

describe("a real server process under abuse", () => {
  let child: ChildProcess;
  let port: number;
  const url = databaseUrl();
  const tableName = randomTableName();
  const sizes = async () => (await send(port, "GET", "/api/v1/queue/sizes")).text;
  /** RSS after the server ran a full collection (SIGUSR2): what is still held, not garbage awaiting a GC. */
  const collectedRss = async () => {
    await new Promise((resolve) => {
      child.stdout?.once("data", resolve);
      child.kill("SIGUSR2");
    });
    return rssOf(child.pid as number);
  };

  beforeAll(async () => {
    child = spawn(process.execPath, ["--expose-gc", script, url, tableName], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    port = await new Promise<number>((resolve, reject) => {
      child.stdout?.once("data", (chunk: Buffer) =>
        resolve((JSON.parse(chunk.toString()) as { port: number }).port),
      );
      child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    await send(port, "POST", "/api/v1/queue/put", '{"held":1,"waiting":2}', json);
    await send(port, "GET", "/api/v1/queue/get/1");
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await dropTable(url, tableName);
  });

  it("every kind of rejection is the expected 4xx and leaves the queue as it was", async () => {
    const before = await sizes();
    for (const [method, path, body, headers, status] of REJECTED) {
      const response = await send(port, method, path, body, headers);
      expect(response.status, `${method} ${path.slice(0, 60)}: ${response.text.slice(0, 200)}`).toBe(status);
    }
    expect(await sizes()).toBe(before);
  });

  it("10,000 rejected requests leave RSS within 20% of where it started", async () => {
    const before = await sizes();
    const round = async (count: number) => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const [method, path, body, headers, status] = REJECTED[next++ % REJECTED.length]!;
          const response = await send(port, method, path, body, headers);
          if (response.status !== status) throw new Error(`${method} ${path}: ${response.status}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    };
    await round(3_000); // warm-up: code compiled, pools, buffers and heap at their working size
    const start = await collectedRss();
    await round(10_000);
    const end = await collectedRss();
    console.log(
      `RSS of the server (after a full GC): ${mb(start)} MB after warm-up, ${mb(end)} MB after 10,000 rejected requests`,
    );
    expect(end).toBeLessThan(start * 1.2);
    expect(await sizes()).toBe(before);
  }, 300_000);

  it("a maximal hostile body (16.5 MB, 4,000 deep around 5.5 million []) is rejected while /healthz answers", async () => {
    const hostile = `{"x":${"[".repeat(4_000)}${"[],".repeat(5_500_000)}[]${"]".repeat(4_000)}}`;
    expect(hostile.length).toBeGreaterThan(16_500_000);
    let done = false;
    const healthLatencies: number[] = [];
    const poll = async () => {
      while (!done) {
        const t0 = performance.now();
        const response = await send(port, "GET", "/healthz");
        healthLatencies.push(performance.now() - t0);
        expect(response.status).toBe(200);
      }
    };
    const polling = poll();
    const t0 = performance.now();
    const response = await postStream(port, "/api/v1/queue/put", hostile);
    const elapsed = performance.now() - t0;
    done = true;
    await polling;
    expect(response.status).toBe(422);
    expect(JSON.parse(response.text).detail[0].loc.slice(0, 3)).toEqual(["body", "x", 0]);
    expect(healthLatencies.length).toBeGreaterThan(0);
    console.log(
      `hostile 16.5 MB body: 422 after ${elapsed.toFixed(0)} ms (upload included); /healthz answered ` +
        `${healthLatencies.length} times meanwhile, slowest ${Math.max(...healthLatencies).toFixed(0)} ms`,
    );
  });

  it("the slowest body the limits accept (all arrays) keeps /healthz answering; its cost is printed", async () => {
    // 3 items of empty arrays: exactly the container limit of one request (the batch object and 3 item arrays too).
    const perItem = (DEFAULT_MAX_JSON_CONTAINERS - 4) / 3;
    expect(Number.isInteger(perItem)).toBe(true);
    const item = `[${new Array<string>(perItem).fill("[]").join(",")}]`;
    const body = `{"a1":${item},"a2":${item},"a3":${item}}`;
    let done = false;
    const healthLatencies: number[] = [];
    const poll = async () => {
      while (!done) {
        const t0 = performance.now();
        expect((await send(port, "GET", "/healthz")).status).toBe(200);
        healthLatencies.push(performance.now() - t0);
      }
    };
    const polling = poll();
    const t0 = performance.now();
    const response = await postStream(port, "/api/v1/queue/put", body);
    const elapsed = performance.now() - t0;
    done = true;
    await polling;
    expect(response.status, response.text.slice(0, 200)).toBe(200);
    console.log(
      `${DEFAULT_MAX_JSON_CONTAINERS} arrays in 3 items (${mb(body.length)} MB): stored after ${elapsed.toFixed(0)} ms; /healthz answered ` +
        `${healthLatencies.length} times meanwhile, slowest ${Math.max(...healthLatencies).toFixed(0)} ms`,
    );
    const tooMany = `{"a1":${item},"a2":${item},"a3":${item},"a4":[[],[]]}`;
    const rejected = await postStream(port, "/api/v1/queue/put", tooMany);
    expect(rejected.status).toBe(422);
    expect(rejected.text).toContain(`more than ${DEFAULT_MAX_JSON_CONTAINERS} arrays and objects`);
  });
});

/** POSTs a large JSON body in 64 KiB chunks, as a client on a network would. */
function postStream(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path, headers: json }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    const data = Buffer.from(body);
    let offset = 0;
    const write = () => {
      while (offset < data.length) {
        const chunk = data.subarray(offset, offset + 65_536);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}
