import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, runCli, startCli } from "./support/cli-process.js";

// `task-queue purge`, run as a user would: the built CLI against `task-queue server` (in memory, with history).
describe("task-queue purge", () => {
  let server: CliProcess;
  let url: string;
  const folder = mkdtempSync(join(tmpdir(), "tq-purge-"));
  const cli = (...args: string[]) => runCli([...args, "--url", url, "--queue", "retention"], {});
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
});
