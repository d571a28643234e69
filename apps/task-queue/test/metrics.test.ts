import { resolve } from "node:path";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, REPO_ROOT } from "./support/cli-process.js";
import { sample, scrape } from "./support/prometheus.js";
import { type RunningSystem, startSystem, stopSystem, untilAllFinished } from "./support/system.js";

/** Families both processes expose: process metrics, stage gauges, the counters and the job duration histogram. */
const QUEUE_FAMILIES = [
  "process_cpu_user_seconds_total",
  "process_resident_memory_bytes",
  "nodejs_eventloop_lag_seconds",
  "task_queue_items",
  "task_queue_oldest_waiting_age_seconds",
  "task_queue_items_put_total",
  "task_queue_items_handed_out_total",
  "task_queue_items_succeeded_total",
  "task_queue_items_failed_total",
  "task_queue_items_retried_total",
  "task_queue_items_lease_expired_total",
  "task_queue_items_cancelled_total",
  "task_queue_job_duration_seconds",
];
const CONTROLLER_FAMILIES = [
  "task_queue_controller_last_tick_timestamp_seconds",
  "task_queue_controller_tick_duration_seconds",
  "task_queue_controller_released_total",
  "task_queue_controller_lost_total",
  "task_queue_controller_send_failed_total",
  "task_queue_controller_leader",
  "task_queue_controller_paused",
];

const families = (text: string): Set<string> =>
  new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

describe("/metrics of a real server and a real controller (process worker, PostgreSQL)", () => {
  const table = randomTableName("tq_metrics");
  let system: RunningSystem;
  let controllerMetrics: string;
  let queue: string;

  beforeAll(async () => {
    system = await startSystem(
      table,
      {
        WORKER_INTERFACE: "process",
        PATH_TO_SCRIPTS: resolve(REPO_ROOT, "examples/scripts"),
        PROCESSING_LIMIT: "4",
        METRICS_PORT: "0",
      },
      { serverEnv: { RESCUE_INTERVAL_SECONDS: "0.2" } },
    );
    const listening = await system.controller.waitForLog((log) => log.msg === "controller metrics listening");
    controllerMetrics = String(listening.url);
    queue = `q-${table.slice(-6)}`;
  });

  afterAll(async () => {
    await system?.controller.stop("SIGKILL");
    await system?.server.stop("SIGKILL");
    await dropQueueTable(await testDatabaseUrl(), table);
  });

  it("both expose every family; the controller leads, is not paused and ticks", async () => {
    const server = await scrape(`${system.url}/metrics`);
    const controller = await scrape(controllerMetrics);
    for (const family of [
      "task_queue_http_requests_total",
      ...QUEUE_FAMILIES.filter((f) => !f.endsWith("_total") && f !== "task_queue_job_duration_seconds"),
    ])
      expect(families(server), family).toContain(family);
    for (const family of [...CONTROLLER_FAMILIES, "process_cpu_user_seconds_total", "task_queue_items"])
      expect(families(controller), family).toContain(family);
    expect(sample(controller, "task_queue_controller_leader", { queue })).toBe(1);
    expect(sample(controller, "task_queue_controller_paused", { queue })).toBe(0);
    const firstTick = sample(controller, "task_queue_controller_last_tick_timestamp_seconds")!;
    expect(firstTick).toBeGreaterThan(Date.now() / 1000 - 60);
    const later = await eventually(async () => {
      const at = sample(
        await scrape(controllerMetrics),
        "task_queue_controller_last_tick_timestamp_seconds",
      )!;
      return at > firstTick ? at : undefined;
    });
    expect(later).toBeGreaterThan(firstTick);
    expect(await (await fetch(controllerMetrics.replace(/\/metrics$/, "/healthz"))).json()).toEqual({
      status: "ok",
    });
  });

  it("counts put on the server and hand-outs, successes, failures, retries and durations on the controller", async () => {
    const ok = { file_name: "work.mjs", args: ["0.05", "succeed"] };
    const bad = { file_name: "work.mjs", args: ["0.05", "fail"] };
    await system.client.putJobs([
      ...["s1", "s2", "s3", "s4"].map((id) => ({ id, body: ok })),
      { id: "f1", body: bad },
      { id: "f2", body: bad, maxAttempts: 2 },
    ]);
    await untilAllFinished(system.client, 6);

    const server = await scrape(`${system.url}/metrics`);
    expect(sample(server, "task_queue_items_put_total", { queue })).toBe(6);
    expect(sample(server, "task_queue_items", { queue, stage: "SUCCESS" })).toBe(4);
    expect(sample(server, "task_queue_items", { queue, stage: "FAIL" })).toBe(2);
    expect(sample(server, "task_queue_oldest_waiting_age_seconds", { queue })).toBe(0);

    const controller = await scrape(controllerMetrics);
    for (const family of QUEUE_FAMILIES) expect(families(controller), family).toContain(family);
    expect(sample(controller, "task_queue_items_handed_out_total", { queue })).toBe(7);
    expect(sample(controller, "task_queue_controller_released_total", { queue })).toBe(7);
    expect(sample(controller, "task_queue_items_succeeded_total", { queue })).toBe(4);
    expect(sample(controller, "task_queue_items_failed_total", { queue })).toBe(2);
    expect(sample(controller, "task_queue_items_retried_total", { queue })).toBe(1);
    expect(sample(controller, "task_queue_controller_send_failed_total", { queue })).toBe(0);
    expect(sample(controller, "task_queue_job_duration_seconds_count", { queue, outcome: "success" })).toBe(
      4,
    );
    expect(sample(controller, "task_queue_job_duration_seconds_count", { queue, outcome: "fail" })).toBe(2);
    expect(sample(controller, "task_queue_job_duration_seconds_count", { queue, outcome: "retry" })).toBe(1);
    expect(
      sample(controller, "task_queue_job_duration_seconds_sum", { queue, outcome: "success" }),
    ).toBeGreaterThan(4 * 0.05);
    expect(sample(controller, "task_queue_items", { queue, stage: "SUCCESS" })).toBe(4);
    expect(sample(controller, "task_queue_controller_tick_duration_seconds_count")).toBeGreaterThan(1);
  });

  it("counts a lease that expired, a cancel and the oldest waiting age on the server", async () => {
    const side = system.client.queue("side");
    await side.putJobs([
      { id: "leased", body: {} },
      { id: "cancelled", body: {} },
      { id: "waits", body: {} },
    ]);
    const [job] = await side.getJobs(1, { leaseSeconds: 1 });
    expect(job?.itemId).toBe("leased");
    await side.cancel("cancelled", "not needed");
    const server = await eventually(async () => {
      const text = await scrape(`${system.url}/metrics`);
      return sample(text, "task_queue_items_lease_expired_total", { queue: "side" }) === 1 ? text : undefined;
    });
    expect(sample(server, "task_queue_items_put_total", { queue: "side" })).toBe(3);
    expect(sample(server, "task_queue_items_handed_out_total", { queue: "side" })).toBe(1);
    expect(sample(server, "task_queue_items_failed_total", { queue: "side" })).toBe(1);
    expect(sample(server, "task_queue_items_cancelled_total", { queue: "side" })).toBe(1);
    expect(sample(server, "task_queue_job_duration_seconds_count", { queue: "side", outcome: "fail" })).toBe(
      1,
    );
    expect(sample(server, "task_queue_oldest_waiting_age_seconds", { queue: "side" })).toBeGreaterThan(0);
    expect(sample(server, "task_queue_items", { queue: "side", stage: "FAIL" })).toBe(2);
  });

  it("stops both on SIGTERM", async () => {
    await stopSystem(system);
  });
});
