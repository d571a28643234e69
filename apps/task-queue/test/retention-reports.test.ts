import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, runCli, startCli } from "./support/cli-process.js";

// `task-queue purge`, `stats`, `list` and `report`, run as a user would: the built CLI against `task-queue server` (in memory, with history).
describe("task-queue purge, stats, list, report", () => {
  let server: CliProcess;
  let url: string;
  const folder = mkdtempSync(join(tmpdir(), "tq-purge-"));
  let queueName = "retention";
  const cli = (...args: string[]) => runCli([...args, "--url", url, "--queue", queueName], {});
  const json = async (...args: string[]) => {
    const run = await cli(...args, "--output", "json");
    if (run.code !== 0) throw new Error(`${args.join(" ")} failed (${run.code}): ${run.stderr}`);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    server = startCli(["server", "--port", "0"], {
      QUEUE_IMPLEMENTATION: "in-memory",
      WITH_QUEUE_EVENTS: "true",
      EVENT_STORE_IMPLEMENTATION: "in-memory",
    });
    url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("purges a stage by age, archiving each item with its fields and history as one JSON line", async () => {
    const items = join(folder, "items.json");
    writeFileSync(items, JSON.stringify({ a: { n: 1 }, b: { n: 2 }, c: { n: 3 }, d: { n: 4 } }));
    await json("put", items);
    await json("get", "4");
    await json("success", "a", "b", "--result", '{"ok":true}');
    await json("fail", "c", "--reason", "disk full");

    // Nothing is a week old yet.
    expect(await json("purge", "--stage", "SUCCESS", "--older-than", "7d")).toMatchObject({
      purged: 0,
      older_than_seconds: 604_800,
    });
    const archive = join(folder, "purged.jsonl");
    expect(
      await json("purge", "--stage", "success", "--older-than", "0s", "--archive", archive),
    ).toMatchObject({
      stage: "SUCCESS",
      purged: 2,
    });
    const lines = readFileSync(archive, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id).sort()).toEqual(["a", "b"]);
    const a = lines.find((line) => line.id === "a");
    expect(a).toMatchObject({ stage: "SUCCESS", body: { n: 1 }, attempts: 1, result: { ok: true } });
    expect(a.history.map((step: { to: string }) => step.to)).toEqual(["WAITING", "PROCESSING", "SUCCESS"]);
    expect(await json("sizes")).toEqual({ WAITING: 0, PROCESSING: 1, SUCCESS: 0, FAIL: 1 });

    // FAIL items too; the archive grows by appending.
    expect(await json("purge", "--stage", "FAIL", "--older-than", "0", "--archive", archive)).toMatchObject({
      purged: 1,
    });
    const all = readFileSync(archive, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(all[2]).toMatchObject({ id: "c", stage: "FAIL", last_error: "disk full" });
    expect(await json("sizes")).toEqual({ WAITING: 0, PROCESSING: 1, SUCCESS: 0, FAIL: 0 });
  });

  it("bad values are usage errors (exit 2) that purge nothing", async () => {
    const items = join(folder, "more.json");
    writeFileSync(items, JSON.stringify({ x: 1 }));
    await json("put", items);
    for (const args of [
      ["purge", "--stage", "PROCESSING", "--older-than", "1d"],
      ["purge", "--stage", "WAITING", "--older-than", "soon"],
      ["purge", "--stage", "WAITING", "--older-than", "-1s"],
      ["purge", "--stage", "WAITING", "--older-than", "0", "--limit", "0"],
      ["purge", "--older-than", "1d"],
    ]) {
      const run = await cli(...args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/task-queue|error/);
    }
    expect((await json("sizes")).WAITING).toBe(1);
  });

  it("stats, list (paged, filtered) and report tell what happened", async () => {
    queueName = "reports";
    const items = join(folder, "reports.json");
    const bodies: Record<string, unknown> = {};
    for (let i = 0; i < 5; i++) bodies[`render-${i}`] = { i };
    bodies["other-1"] = { i: 9 };
    writeFileSync(items, JSON.stringify(bodies));
    await json("put", items);
    await json("get", "4");
    await json("success", "render-0", "render-1", "--result", '{"frames":3}');
    await json("fail", "render-2", "render-3", "--reason", "out of memory");

    const stats = await json("stats", "--since", "10m");
    expect(stats).toMatchObject({
      since_seconds: 600,
      sizes: { WAITING: 2, PROCESSING: 0, SUCCESS: 2, FAIL: 2 },
      done: 2,
      failed: 2,
      done_per_minute: 0.2,
      top_failures: [{ reason: "out of memory", count: 2 }],
      // The server records history: stats come from its events, durations as PROCESSING time.
      source: "events",
      duration_seconds: { measures: "processing" },
    });
    expect((stats.duration_seconds as { median: number }).median).toBeGreaterThanOrEqual(0);
    expect(stats.oldest_waiting_seconds).toBeGreaterThanOrEqual(0);
    const table = await cli("stats");
    expect(table.stdout).toContain("out of memory");

    const first = await json("list", "waiting", "--limit", "1");
    expect(first).toMatchObject({
      items: [{ id: "other-1", stage: "WAITING", attempts: 0 }],
      next_cursor: "other-1",
    });
    const second = await json("list", "WAITING", "--limit", "1", "--cursor", "other-1");
    expect(second).toMatchObject({ items: [{ id: "render-4" }], next_cursor: null });
    const filtered = await json("list", "FAIL", "--filter-prefix", "render-", "--limit", "1");
    expect(filtered).toMatchObject({
      items: [{ id: "render-2", last_error: "out of memory" }],
      next_cursor: "render-2",
    });
    expect(
      (await json("list", "FAIL", "--filter-prefix", "render-", "--cursor", "render-2")).items,
    ).toMatchObject([{ id: "render-3" }]);
    expect((await cli("list", "DONE")).code).toBe(2);
    const yaml = await cli("list", "success", "--output", "yaml");
    expect(yaml.stdout).toContain("id: render-0");

    const report = await json("report", "render-0");
    expect(report).toMatchObject({ id: "render-0", stage: "SUCCESS", body: { i: 0 }, result: { frames: 3 } });
    const steps = report.history as Array<{ to: string; seconds_since_previous: number | null }>;
    expect(steps.map((step) => step.to)).toEqual(["WAITING", "PROCESSING", "SUCCESS"]);
    expect(steps[0]!.seconds_since_previous).toBeNull();
    expect(steps[2]!.seconds_since_previous).toBeGreaterThanOrEqual(0);
    expect((await cli("report", "render-3")).stdout).toContain("out of memory");
    expect((await cli("report", "ghost")).code).toBe(1);
  });
});
