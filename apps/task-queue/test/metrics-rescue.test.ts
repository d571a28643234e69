import { setTimeout as sleep } from "node:timers/promises";
import { ApiClient } from "@task-queue/api-client";
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from "@task-queue/queue-s3/testing";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "./support/cli-process.js";
import { sample, scrape } from "./support/prometheus.js";

/**
 * A rescue made by a claim counts like one made by the sweep: on every backend, with the sweep held off (one
 * interval an hour), an item whose lease expired and that the next get hands out again moves
 * task_queue_items_lease_expired_total by exactly one on the server that rescued it.
 */
const BACKENDS: Array<{
  name: string;
  env: () => Promise<Record<string, string>>;
  cleanUp: () => Promise<void>;
}> = [
  { name: "in-memory", env: async () => ({ QUEUE_IMPLEMENTATION: "in-memory" }), cleanUp: async () => {} },
  (() => {
    const table = randomTableName("tq_rescue_metrics");
    return {
      name: "sql-json on PostgreSQL",
      env: async () => ({
        QUEUE_IMPLEMENTATION: "sql-json",
        SQL_QUEUE_CONNECTION_STRING: await testDatabaseUrl(),
        SQL_QUEUE_TABLE: table,
      }),
      cleanUp: async () => dropQueueTable(await testDatabaseUrl(), table),
    };
  })(),
  (() => {
    let s3: RunningS3rver | undefined;
    return {
      name: "s3-json on s3rver",
      env: async () => {
        s3 = await startS3rver("tq-rescue-metrics");
        return {
          QUEUE_IMPLEMENTATION: "s3-json",
          S3_QUEUE_BASE_PATH: `tq-rescue-metrics/run-${Date.now()}`,
          S3_ENDPOINT_URL: s3.endpoint,
          AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        };
      },
      cleanUp: async () => s3?.stop(),
    };
  })(),
];

describe.each(BACKENDS)("the lease-expired counter of a server on $name", (backend) => {
  let server: CliProcess | undefined;

  afterAll(async () => {
    await server?.stop("SIGKILL");
    await backend.cleanUp();
  });

  it("moves by one when a get rescues an expired lease and hands the item out again", async () => {
    server = startCli(["server", "--port", "0"], {
      ...(await backend.env()),
      RESCUE_INTERVAL_SECONDS: "3600",
    });
    const url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
    const queue = new ApiClient({ baseUrl: url }).queue("rescued");
    const counter = async (name: string) =>
      sample(await scrape(`${url}/metrics`), name, { queue: "rescued" }) ?? 0;

    await queue.putJobs([{ id: "slow", body: {}, maxAttempts: 2 }]);
    const [first] = await queue.getJobs(1, { leaseSeconds: 0.3 });
    expect(first).toMatchObject({ itemId: "slow", attempt: 1 });
    const before = await counter("task_queue_items_lease_expired_total");
    expect(before).toBe(0);
    // Past the lease: the next get finds the item expired, rescues it and (after its backoff) hands it out again.
    await sleep(500);
    const [second] = await queue.getJobs(1, { leaseSeconds: 600, waitSeconds: 30 });
    expect(second).toMatchObject({ itemId: "slow", attempt: 2 });

    const text = await scrape(`${url}/metrics`);
    expect(sample(text, "task_queue_items_lease_expired_total", { queue: "rescued" })).toBe(before + 1);
    expect(sample(text, "task_queue_items_retried_total", { queue: "rescued" })).toBe(1);
    expect(sample(text, "task_queue_items_handed_out_total", { queue: "rescued" })).toBe(2);
    expect(sample(text, "task_queue_items_failed_total", { queue: "rescued" }) ?? 0).toBe(0);
    expect(
      sample(text, "task_queue_job_duration_seconds_count", { queue: "rescued", outcome: "retry" }),
    ).toBe(1);
    expect(await server.stop()).toBe(0);
  });
});
