import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient } from "@task-queue/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, runCli, startCli } from "./support/cli-process.js";

// `task-queue e2e` as an operator runs it: against `task-queue dev` (server, controller, process worker).
describe("task-queue e2e", () => {
  const folder = mkdtempSync(join(tmpdir(), "tq-e2e-"));
  let dev: CliProcess;
  let url: string;

  beforeAll(async () => {
    dev = startCli(["dev", "--port", "0", "--periodic-seconds", "0.2"], {}, folder);
    url = String((await dev.waitForLog((log) => log.msg === "API server listening")).url);
  });
  afterAll(async () => {
    await dev?.stop();
  });

  it("puts n items, sees each reach its expected stage, prints put→done p50/p95, exits 0 and cleans up", async () => {
    const run = await runCli(["e2e", "-n", "12", "--url", url, "--output", "json"], {}, folder);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      ok: true,
      items: 12,
      finished: 12,
      matched: 12,
      mismatched: [],
      unfinished: [],
      deleted: true,
    });
    expect(summary.put_to_done_seconds.p95).toBeGreaterThanOrEqual(summary.put_to_done_seconds.p50);
    expect(await new ApiClient({ baseUrl: url }).sizes()).toEqual({
      WAITING: 0,
      PROCESSING: 0,
      SUCCESS: 0,
      FAIL: 0,
    });
  });

  it("--keep leaves the items, each in its expected stage", async () => {
    const run = await runCli(["e2e", "-n", "4", "--keep", "--url", url, "--output", "json"], {}, folder);
    expect(run.code, run.stderr).toBe(0);
    expect(await new ApiClient({ baseUrl: url }).sizes()).toMatchObject({ SUCCESS: 2, FAIL: 2 });
  });

  it("exits 1 when items do not finish in time (no controller), and still deletes them", async () => {
    const server = startCli(["server", "--port", "0"], { QUEUE_IMPLEMENTATION: "in-memory" });
    try {
      const bare = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
      const run = await runCli(["e2e", "-n", "3", "--within", "2s", "--url", bare, "--output", "json"], {});
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, finished: 0 });
      expect(JSON.parse(run.stdout).unfinished).toHaveLength(3);
      expect(await new ApiClient({ baseUrl: bare }).sizes()).toEqual({
        WAITING: 0,
        PROCESSING: 0,
        SUCCESS: 0,
        FAIL: 0,
      });
      const usage = await runCli(["e2e", "-n", "0", "--url", bare], {});
      expect(usage.code).toBe(2);
    } finally {
      await server.stop();
    }
  });
});
