// The HTTP server under load from a second process (wrk, 16 connections), beside baselines measured in the same run:
//   GET sizes            ours (SqlQueue on PostgreSQL, empty queue)  vs  a minimal Hono app answering constant JSON
//   GET sizes            ours on an in-memory queue (the HTTP stack alone: middleware, routing, validation, no
//                        storage)  vs  the same minimal app: the share of the gap that is ours and not the database's
//   POST put, one item   ours over HTTP                              vs  the same put() called in-process, 16 at once
// Each pair runs A-B-B-A and the ratio is of the means. Not a test: numbers depend on the machine.
//   pnpm --filter @task-queue/api-server bench      (needs wrk on PATH; TEST_DATABASE_URL as the tests)
//   BENCH_SECONDS=5 (per run)

import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { InMemoryQueueNamespace, type Queue } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { Hono } from "hono";
import { createApp } from "../src/index.js";
import { serveOnLoopback } from "../src/testing/index.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;

if (spawnSync("wrk", ["--version"]).error) {
  console.log("wrk is not on PATH (Debian: apt-get install wrk): the HTTP load benchmark did not run");
  process.exit(0);
}

const scripts = mkdtempSync(join(tmpdir(), "tq-wrk-"));
// One wrk thread, so one Lua state: the counter makes every id of a run unique; the run's prefix keeps runs apart.
const putScript = join(scripts, "put.lua");
writeFileSync(
  putScript,
  `local counter = 0
local prefix = os.getenv("RUN")
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"' .. prefix .. '-' .. counter .. '":{"n":' .. counter .. '}}')
end
`,
);

/**
 * Requests per second wrk reached; a run with any non-2xx answer or socket error is refused, not counted. wrk runs
 * asynchronously: the servers under test live in this process's event loop.
 */
async function wrk(url: string, script?: string, run = ""): Promise<number> {
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, ...(script ? ["-s", script] : []), url];
  const out = await promisify(execFile)("wrk", args, { encoding: "utf8", env: { ...process.env, RUN: run } });
  const text = `${out.stdout}${out.stderr}`;
  if (/Non-2xx|Socket errors/.test(text)) throw new Error(`wrk ${url}: failed requests\n${text}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!rate) throw new Error(`wrk ${url}: no rate in\n${text}`);
  return Number(rate[1]);
}

/** Calls per second of `call` made by CONNECTIONS loops at once in this process. */
async function inProcess(call: (n: number) => Promise<unknown>): Promise<number> {
  let calls = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) await call(calls++);
    }),
  );
  return calls / SECONDS;
}

const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;

async function abba(a: () => Promise<number> | number, b: () => Promise<number> | number) {
  const ra = [await a()];
  const rb = [await b(), await b()];
  ra.push(await a());
  return { a: mean(ra), b: mean(rb) };
}

/** A-B-C-C-B-A: three contenders, each measured early and late. */
async function abccba(
  a: () => Promise<number>,
  b: () => Promise<number>,
  c: () => Promise<number>,
): Promise<{ a: number; b: number; c: number }> {
  const [a1, b1, c1, c2, b2, a2] = [await a(), await b(), await c(), await c(), await b(), await a()];
  return { a: mean([a1, a2]), b: mean([b1, b2]), c: mean([c1, c2]) };
}

const url = await testDatabaseUrl();
const table = randomTableName("tq_wrk");
const namespace = await SqlQueueNamespace.open({ connection: url, tableName: table });
const constantSizes = { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };
const minimal = new Hono().get("/sizes", (c) => c.json(constantSizes));
const minimalServer = await serveOnLoopback(minimal);
const ours = await serveOnLoopback(createApp({ queues: namespace }));
const inMemory = await serveOnLoopback(createApp({ queues: new InMemoryQueueNamespace() }));
try {
  const sizes = await abccba(
    () => wrk(`${ours.baseUrl}/api/v1/queue/sizes`),
    () => wrk(`${inMemory.baseUrl}/api/v1/queue/sizes`),
    () => wrk(`${minimalServer.baseUrl}/sizes`),
  );
  const queue: Queue = namespace.queue("default");
  let run = 0;
  const put = await abba(
    () => wrk(`${ours.baseUrl}/api/v1/queue/put`, putScript, `http${run++}`),
    () => inProcess((n) => queue.put({ [`lib${run}-${n}`]: { n } })),
  );
  const row = (label: string, ourRate: number, base: number, baseLabel: string) =>
    `${label.padEnd(26)} ${ourRate.toFixed(0).padStart(8)} ${base.toFixed(0).padStart(8)} ${(ourRate / base)
      .toFixed(2)
      .padStart(6)}  (baseline: ${baseLabel})`;
  console.log(
    `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s from a second process; PostgreSQL; runs A-B-B-A (sizes: A-B-C-C-B-A), means; requests/s`,
  );
  console.log(`${"".padEnd(26)} ${"ours".padStart(8)} ${"baseline".padStart(8)} ${"ratio".padStart(6)}`);
  console.log(row("GET sizes (empty queue)", sizes.a, sizes.c, "minimal Hono app, constant JSON"));
  console.log(row("GET sizes, in-memory queue", sizes.b, sizes.c, "the same minimal app"));
  console.log(row("POST put, one item", put.a, put.b, `put() in-process, ${CONNECTIONS} at once`));
} finally {
  await ours.close();
  await inMemory.close();
  await minimalServer.close();
  await namespace.close();
  await dropQueueTable(url, table);
  rmSync(scripts, { recursive: true, force: true });
}
