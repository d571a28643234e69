import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ApiClient } from "@task-queue/api-client";
import { stageName } from "@task-queue/queue-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, eventually, MAIN, REPO_ROOT, runCli, startCli } from "./support/cli-process.js";

const exec = promisify(execFile);

const EXAMPLE_ITEMS = resolve(REPO_ROOT, "examples/items.json");
const CHROMIUM = "/usr/bin/chromium";

describe("task-queue dev from a fresh folder (the README's quick start and tour)", () => {
  const folder = mkdtempSync(join(tmpdir(), "tq-dev-"));
  let dev: CliProcess;
  let url: string;
  const cli = async (...args: string[]) => {
    const run = await runCli([...args, "--url", url], {}, folder);
    if (run.code !== 0) throw new Error(`task-queue ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
    return run;
  };

  beforeAll(async () => {
    dev = startCli(["dev", "--port", "0", "--periodic-seconds", "0.2"], {}, folder);
    url = String((await dev.waitForLog((log) => log.msg === "API server listening")).url);
  });

  afterAll(async () => {
    await dev?.stop("SIGKILL");
  });

  it("serves /healthz and keeps its database in ./.task-queue-data", async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(existsSync(join(folder, ".task-queue-data"))).toBe(true);
    expect(dev.lines.join("\n")).toContain(`Docs:     ${url}/docs`);
  });

  it("runs the example items, tells an item's history, and requeues failures", async () => {
    expect(JSON.parse((await cli("put", EXAMPLE_ITEMS, "--output", "json")).stdout)).toEqual({
      added: 10,
      skipped: 0,
      skippedIds: [],
    });
    const client = new ApiClient({ baseUrl: url });
    await eventually(async () => {
      const sizes = await client.sizes();
      return sizes.SUCCESS + sizes.FAIL === 10 ? sizes : undefined;
    });
    // Putting the same file again adds nothing: ids already in the queue are skipped, whatever their stage.
    const again = JSON.parse((await cli("put", EXAMPLE_ITEMS, "--output", "json")).stdout);
    expect(again).toMatchObject({ added: 0, skipped: 10 });
    expect(stageName(await client.lookupStatus("hello"))).toBe("SUCCESS");
    expect(stageName(await client.lookupStatus("hello-fail"))).toBe("FAIL");
    expect(JSON.parse((await cli("ids", "FAIL", "--output", "json")).stdout).sort()).toEqual([
      "hello-fail",
      "job-03",
      "job-07",
    ]);

    const history = JSON.parse((await cli("history", "hello-fail", "--output", "json")).stdout);
    expect(history.map((entry: { to: string }) => entry.to)).toEqual(["WAITING", "PROCESSING", "FAIL"]);

    const requeued = JSON.parse((await cli("requeue", "--all-failed", "--output", "json")).stdout);
    expect(requeued.moved.sort()).toEqual(["hello-fail", "job-03", "job-07"]);
    // They run again (and fail again: their arguments say so).
    await eventually(async () => {
      const entries = await client.history("job-03");
      return entries.filter((entry) => entry.to === "FAIL").length === 2 ? entries : undefined;
    });
  });

  it("puts a large file in batches, showing progress", async () => {
    const file = join(folder, "bulk.json");
    const items: Record<string, unknown> = {};
    for (let i = 0; i < 12_000; i++) items[`bulk-${i}`] = { n: i };
    writeFileSync(file, JSON.stringify(items));
    // A named queue: the controller runs only the default queue, so these stay WAITING.
    const put = await cli("put", file, "--queue", "bulk", "--output", "json");
    expect(JSON.parse(put.stdout)).toEqual({ added: 12_000, skipped: 0, skippedIds: [] });
    // Piped: plain lines, each with the rate (and, but for the last, the time left); nothing redrawn.
    expect(put.stderr).toMatch(/^put 5000\/12000 items \(41%\), \d+ items\/s, [\d a-z]+ left$/m);
    expect(put.stderr).toMatch(/^put 12000\/12000 items \(100%\), \d+ items\/s$/m);
    expect(put.stderr).not.toContain("\r");
    const sizes = JSON.parse((await cli("sizes", "--queue", "bulk", "--output", "json")).stdout);
    expect(sizes).toEqual({ WAITING: 12_000, PROCESSING: 0, SUCCESS: 0, FAIL: 0 });
  });

  it("on a terminal, shows put's progress as one line redrawn in place", async () => {
    const file = join(folder, "bulk-tty.json");
    const items: Record<string, unknown> = {};
    for (let i = 0; i < 12_000; i++) items[`tty-${i}`] = { n: i };
    writeFileSync(file, JSON.stringify(items));
    // script(1) runs the command on a pseudo-terminal and copies what it printed to its own stdout.
    const command = [process.execPath, MAIN, "put", file, "--queue", "bulk-tty", "--url", url]
      .map((word) => `'${word}'`)
      .join(" ");
    const { stdout } = await exec("script", ["-qec", command, "/dev/null"], { cwd: folder });
    // Each frame starts with carriage return and erase-line: the line is redrawn where it stands.
    const frames = stdout.split("\r\u001b[2K").slice(1);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatch(/^put 5000\/12000 items \(41%\), \d+ items\/s, [\d a-z]+ left$/);
    expect(frames[2]).toMatch(/^put 12000\/12000 items \(100%\), \d+ items\/s\r?\n/);
    const sizes = JSON.parse((await cli("sizes", "--queue", "bulk-tty", "--output", "json")).stdout);
    expect(sizes.WAITING).toBe(12_000);
  });

  it("the console (PGlite, controller and process worker in one process): pause on the page holds work, resume runs it", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const client = new ApiClient({ baseUrl: url });
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      // Playwright's default of 30 s per action is within reach of a browser beside every other package's tests.
      page.setDefaultTimeout(90_000);
      await page.goto(`${url}/`);
      const card = page.locator('#queue-cards section[data-queue="default"]');
      await card.locator(".badge.leader").waitFor();
      const row = page.locator('#queues tr[data-queue="default"]');
      await row.locator('button[data-action="pause"]').click();
      await page.locator("#confirm-ok").click();
      await row.locator('button[data-action="resume"]').waitFor();
      expect(await client.isPaused()).toBe(true);
      // The controller's next tick honours the stored flag, and says so in the status the card shows.
      await card.locator(".badge.paused").waitFor();
      await client.putJobs([{ id: "held", body: { file_name: "work.mjs", args: ["0.1", "succeed"] } }]);
      const putAt = Date.now();
      // Ticks recorded after the put (every 0.2 s) released nothing: the item still waits.
      await eventually(async () => {
        const status = await client.controllerStatus();
        return status?.paused && status.lastTickAt.getTime() > putAt + 1_000 ? status : undefined;
      });
      expect(stageName(await client.lookupStatus("held"))).toBe("WAITING");

      await row.locator('button[data-action="resume"]').click();
      await page.locator("#confirm-ok").click();
      await row.locator('button[data-action="pause"]').waitFor();
      expect(await client.isPaused()).toBe(false);
      await eventually(async () =>
        stageName(await client.lookupStatus("held")) === "SUCCESS" ? true : undefined,
      );
      await card.locator(".badge.paused").waitFor({ state: "detached" });
    } finally {
      await browser.close();
    }
  });

  it("stops on SIGTERM with exit code 0", async () => {
    expect(await dev.stop("SIGTERM")).toBe(0);
  });
});
