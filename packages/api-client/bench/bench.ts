// Throughput of the queue through the HTTP API (ApiClient → loopback → api-server → SqlQueue on PostgreSQL), with
// Node's global fetch and with nodeFetch, next to the same workload on SqlQueue directly, in one run (A-B-C-C-B-A);
// then put→get latency with one waiting consumer (get(1) with waitSeconds: over HTTP, `GET get/1?wait_seconds=`)
// and a producer putting one item every 20 ms, on the same three sides, A-B-C-C-B-A. Not a test: numbers depend on
// the machine.
//   pnpm --filter @task-queue/api-client bench      (TEST_DATABASE_URL, as the tests: @task-queue/queue-sql/testing)

import { createApp } from "@task-queue/api-server";
import { serveOnLoopback } from "@task-queue/api-server/testing";
import type { Queue } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { ApiClient } from "../src/index.js";
import { nodeFetch } from "../src/node-fetch.js";

const ITEMS = Number(process.env.BENCH_ITEMS ?? 20_000);
const PUT_BATCH = 1_000;
const GET_BATCH = 100;

interface Figures {
  put: number;
  drain: number;
  drainMany: number;
}

/** Drains the queue with get(GET_BATCH), then marks what it got: one call per item, or one per batch. */
async function drain(queue: Queue, perItem: boolean): Promise<number> {
  const started = performance.now();
  let done = 0;
  for (;;) {
    const got = await queue.get(GET_BATCH);
    if (got.length === 0) break;
    if (perItem) for (const [id] of got) await queue.success(id);
    else await queue.successMany(got.map(([id]) => id));
    done += got.length;
  }
  if (done !== ITEMS) throw new Error(`drained ${done} items, expected ${ITEMS}`);
  return ITEMS / ((performance.now() - started) / 1000);
}

async function put(queue: Queue, prefix: string): Promise<number> {
  const started = performance.now();
  for (let first = 0; first < ITEMS; first += PUT_BATCH) {
    const batch: Record<string, { n: number; payload: string }> = {};
    for (let i = first; i < Math.min(first + PUT_BATCH, ITEMS); i++)
      batch[`${prefix}-${i}`] = { n: i, payload: "x".repeat(64) };
    await queue.put(batch);
  }
  return ITEMS / ((performance.now() - started) / 1000);
}

const LATENCY_PUTS = Number(process.env.BENCH_LATENCY_PUTS ?? 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Milliseconds from the start of each put to its item's arrival at a consumer that waits for work; producer and
 * consumer are separate handles (over HTTP: separate connections), as a producing service and a worker would be.
 */
async function latencies(producer: Queue, consumer: Queue): Promise<number[]> {
  const sentAt = new Map<string, number>();
  const measured: number[] = [];
  const waiting = (async () => {
    while (measured.length < LATENCY_PUTS) {
      const got = await consumer.get(1, { waitSeconds: 5 });
      const now = performance.now();
      for (const [id] of got) measured.push(now - sentAt.get(id)!);
    }
  })();
  await sleep(200);
  for (let i = 0; i < LATENCY_PUTS; i++) {
    sentAt.set(`l-${i}`, performance.now());
    await producer.put({ [`l-${i}`]: i });
    await sleep(20);
  }
  await waiting;
  return measured;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function workload(queue: Queue): Promise<Figures> {
  const putRate = await put(queue, "item");
  const perItem = await drain(queue, true);
  await put(queue, "again");
  return { put: putRate, drain: perItem, drainMany: await drain(queue, false) };
}

const url = await testDatabaseUrl();
const table = randomTableName("tq_api");
const namespace = await SqlQueueNamespace.open({ connection: url, tableName: table });
const server = await serveOnLoopback(createApp({ queues: namespace }));
const nodeHttp = nodeFetch();
try {
  // A-B-C-C-B-A (library, HTTP with the global fetch, HTTP with nodeFetch, and back), each run on a queue of its own:
  // a machine whose load drifts during the run weighs on every side alike. The figures are the means of each side's
  // two runs.
  const viaFetch = new ApiClient({ baseUrl: server.baseUrl, fetch: globalThis.fetch });
  const viaNode = new ApiClient({ baseUrl: server.baseUrl, fetch: nodeHttp });
  const runs = [
    await workload(namespace.queue("direct-1")),
    await workload(viaFetch.queue("fetch-1")),
    await workload(viaNode.queue("node-1")),
    await workload(viaNode.queue("node-2")),
    await workload(viaFetch.queue("fetch-2")),
    await workload(namespace.queue("direct-2")),
  ] as const;
  const mean = (a: Figures, b: Figures): Figures => ({
    put: (a.put + b.put) / 2,
    drain: (a.drain + b.drain) / 2,
    drainMany: (a.drainMany + b.drainMany) / 2,
  });
  const direct = mean(runs[0], runs[5]);
  const fetched = mean(runs[1], runs[4]);
  const node = mean(runs[2], runs[3]);
  const cell = (value: number, width: number) => value.toFixed(0).padStart(width);
  const ratio = (value: number, base: number) => (value / base).toFixed(2).padStart(7);
  const row = (label: string, d: number, f: number, n: number) =>
    `${label.padEnd(30)} ${cell(d, 8)} ${cell(f, 8)} ${ratio(f, d)} ${cell(n, 10)} ${ratio(n, d)}`;
  console.log(
    `${ITEMS} items, put batches of ${PUT_BATCH}, then drained twice: success per item, successMany per batch; PostgreSQL; A-B-C-C-B-A, means`,
  );
  console.log(
    `${"items/s".padEnd(30)} ${"library".padStart(8)} ${"fetch".padStart(8)} ${"ratio".padStart(7)} ${"nodeFetch".padStart(10)} ${"ratio".padStart(7)}`,
  );
  console.log(row("put", direct.put, fetched.put, node.put));
  console.log(row("get(100) + success per item", direct.drain, fetched.drain, node.drain));
  console.log(row("get(100) + successMany", direct.drainMany, fetched.drainMany, node.drainMany));

  const viaFetchConsumer = new ApiClient({ baseUrl: server.baseUrl, fetch: globalThis.fetch });
  const consumerFetch = nodeFetch();
  const viaNodeConsumer = new ApiClient({ baseUrl: server.baseUrl, fetch: consumerFetch });
  try {
    const sides = {
      // Each run on a queue of its own: a run leaves its items PROCESSING, and a second put of an id adds nothing.
      library: (name: string) => latencies(namespace.queue(name), namespace.queue(name)),
      fetch: (name: string) => latencies(viaFetch.queue(name), viaFetchConsumer.queue(name)),
      nodeFetch: (name: string) => latencies(viaNode.queue(name), viaNodeConsumer.queue(name)),
    };
    const order = ["library", "fetch", "nodeFetch", "nodeFetch", "fetch", "library"] as const;
    const all: Record<keyof typeof sides, number[]> = { library: [], fetch: [], nodeFetch: [] };
    for (const [run, side] of order.entries()) all[side].push(...(await sides[side](`latency-${run}`)));
    console.log(
      `put→get latency, one waiting consumer, ${LATENCY_PUTS} single-item puts 20 ms apart per run; A-B-C-C-B-A, ms (target over HTTP: p50 ≤ 10 ms)`,
    );
    console.log(
      `${"".padEnd(30)} ${"library".padStart(8)} ${"fetch".padStart(8)} ${"nodeFetch".padStart(10)}`,
    );
    for (const [label, q] of [
      ["p50", 0.5],
      ["p99", 0.99],
    ] as const) {
      const at = (side: keyof typeof sides) => quantile(all[side], q).toFixed(2);
      console.log(
        `${label.padEnd(30)} ${at("library").padStart(8)} ${at("fetch").padStart(8)} ${at("nodeFetch").padStart(10)}`,
      );
    }
  } finally {
    consumerFetch.close();
  }
} finally {
  nodeHttp.close();
  await server.close();
  await namespace.close();
  await dropQueueTable(url, table);
}
