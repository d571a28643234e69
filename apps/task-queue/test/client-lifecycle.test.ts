import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, runCli, startCli } from "./support/cli-process.js";

const databaseUrl = await testDatabaseUrl();

// The lifecycle commands, run as a user would: the built CLI against `task-queue server` (in memory).
describe("task-queue lifecycle commands", () => {
  let server: CliProcess;
  let url: string;
  const cli = (...args: string[]) => runCli([...args, "--url", url], {});
  const json = async (...args: string[]) => {
    const run = await cli(...args, "--output", "json");
    if (run.code !== 0) throw new Error(`${args.join(" ")} failed (${run.code}): ${run.stderr}`);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };
  const itemsFile = (items: Record<string, unknown>) => {
    const file = join(mkdtempSync(join(tmpdir(), "tq-items-")), "items.json");
    writeFileSync(file, JSON.stringify(items));
    return file;
  };

  beforeAll(async () => {
    server = startCli(["server", "--port", "0"], {
      QUEUE_IMPLEMENTATION: "in-memory",
      RESCUE_INTERVAL_SECONDS: "0.2",
    });
    url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("pause and resume store the flag the server lists with the queue", async () => {
    const queues = async () => {
      const response = await fetch(`${url}/api/v1/queues`);
      return (await response.json()) as Array<{ name: string; paused: boolean | null }>;
    };
    expect(await json("pause", "--queue", "paused-q")).toEqual({ paused: true });
    expect(await json("put", itemsFile({ p1: 1 }), "--queue", "paused-q")).toMatchObject({ added: 1 });
    expect((await queues()).find((q) => q.name === "paused-q")).toMatchObject({ paused: true });
    expect(await json("resume", "--queue", "paused-q")).toEqual({ paused: false });
    expect((await queues()).find((q) => q.name === "paused-q")).toMatchObject({ paused: false });
  });

  it("put with options, get with a lease, extend, fail with a reason, get again, success with a result", async () => {
    const file = itemsFile({ a: { scene: 1 }, b: { scene: 2 } });
    expect(await json("put", file, "--priority", "5", "--max-attempts", "3")).toMatchObject({
      added: 2,
      skipped: 0,
    });
    expect(await json("item", "a")).toMatchObject({
      id: "a",
      stage: "WAITING",
      attempts: 0,
      max_attempts: 3,
      priority: 5,
      run_after: null,
      lease_expires_at: null,
      last_error: null,
      result: null,
    });

    const [job] = (await json("get", "1", "--lease", "300")) as unknown as Array<Record<string, unknown>>;
    expect(job).toMatchObject({ id: "a", attempt: 1, body: { scene: 1 } });
    expect(Date.parse(String(job!.lease_expires_at))).toBeGreaterThan(Date.now());

    const extended = await json("extend", "a", "--attempt", "1", "--lease", "600");
    expect(Date.parse(String(extended.lease_expires_at))).toBeGreaterThan(
      Date.parse(String(job!.lease_expires_at)),
    );
    const stale = await cli("extend", "a", "--attempt", "2", "--lease", "5");
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/attempt 2 of item "a" no longer holds it/);

    expect(await json("fail", "a", "--reason", "disk full", "--attempt", "1", "--retry-delay", "0")).toEqual({
      moved: ["a"],
      retried: ["a"],
      skipped: [],
    });
    expect(await json("item", "a")).toMatchObject({ stage: "WAITING", attempts: 1, last_error: "disk full" });

    // A retry goes to the back of its priority: b (never handed out) comes first.
    const again = (await json("get", "2", "--wait", "10")) as unknown as Array<Record<string, unknown>>;
    expect(again).toMatchObject([
      { id: "b", attempt: 1, lease_expires_at: null },
      { id: "a", attempt: 2, lease_expires_at: null },
    ]);
    expect(await json("success", "a", "--attempt", "1")).toEqual({
      moved: [],
      skipped: [{ id: "a", reason: "LEASE_LOST" }],
    });
    expect(await json("success", "a", "--attempt", "2", "--result", '{"frames":12}')).toEqual({
      moved: ["a"],
      skipped: [],
    });
    expect(await json("item", "a")).toMatchObject({ stage: "SUCCESS", attempts: 2, result: { frames: 12 } });

    const table = await cli("item", "a");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^FIELD +VALUE/);
    expect(table.stdout).toMatch(/\nmax_attempts +3\n/);
    expect(table.stdout).toMatch(/\nresult +\{"frames":12\}\n/);
    const yaml = await cli("item", "a", "--output", "yaml");
    expect(yaml.stdout).toContain("last_error: disk full");
  });

  it("cancel with a reason, then delete", async () => {
    await json("put", itemsFile({ c: 1 }));
    expect((await cli("cancel", "c", "--reason", "not needed")).code).toBe(0);
    expect(await json("item", "c")).toMatchObject({ stage: "FAIL", last_error: "not needed" });
    const again = await cli("cancel", "c");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot cancel item "c": it is in FAIL/);
    expect(await json("delete", "c", "ghost")).toEqual({
      deleted: ["c"],
      skipped: [{ id: "ghost", reason: "NOT_FOUND" }],
    });
    expect((await cli("item", "c")).code).toBe(1);
  });

  it("bad option values are usage errors (exit 2) that send nothing", async () => {
    for (const args of [
      ["put", itemsFile({ x: 1 }), "--priority", "1.5"],
      ["get", "1", "--lease", "soon"],
      ["success", "x", "--result", "{not json"],
      ["extend", "x", "--lease", "5"],
    ]) {
      const run = await cli(...args);
      expect([args.join(" "), run.code]).toEqual([args.join(" "), 2]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await cli("item", "x")).code).toBe(1);
  });
});

// On PostgreSQL only a claim or the sweep rescues expired leases (reads do not), so sizes show the sweep at work.
describe("task-queue server sweeps expired leases", () => {
  const table = randomTableName("tq_sweep");
  let server: CliProcess;
  let url: string;

  beforeAll(async () => {
    server = startCli(["server", "--port", "0"], {
      QUEUE_IMPLEMENTATION: "sql-json",
      SQL_QUEUE_CONNECTION_STRING: databaseUrl,
      SQL_QUEUE_TABLE: table,
      RESCUE_INTERVAL_SECONDS: "0.2",
    });
    url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
  });
  afterAll(async () => {
    await server?.stop();
    await dropQueueTable(databaseUrl, table);
  });

  it("an expired lease is failed by the sweep, without anyone calling get", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "tq-items-")), "items.json");
    writeFileSync(file, JSON.stringify({ leased: 1 }));
    expect((await runCli(["put", file, "--queue", "swept", "--url", url], {})).code).toBe(0);
    expect((await runCli(["get", "1", "--lease", "0.2", "--queue", "swept", "--url", url], {})).code).toBe(0);
    const rescued = await server.waitForLog(
      (log) => log.msg === "expired leases rescued" && log.queue === "swept",
    );
    expect(rescued).toMatchObject({ retried: 0, failed: 1 });
    const sizes = await runCli(["sizes", "--queue", "swept", "--url", url, "--output", "json"], {});
    expect(JSON.parse(sizes.stdout)).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 1 });
    const item = await runCli(["item", "leased", "--queue", "swept", "--url", url, "--output", "json"], {});
    expect(JSON.parse(item.stdout)).toMatchObject({
      stage: "FAIL",
      attempts: 1,
      last_error: "lease expired",
    });
  });
});
