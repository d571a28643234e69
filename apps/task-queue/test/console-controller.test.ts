import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { JsonValue } from "@task-queue/queue-core";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, REPO_ROOT } from "./support/cli-process.js";
import { putWithCli, type RunningSystem, startSystem, untilAllFinished } from "./support/system.js";

// The console's overview in a real Chromium against a real `task-queue server` and `task-queue controller` (process
// worker, PostgreSQL): the controller's status as it records it, pause and resume clicked on the page and honoured by
// the controller, and the throughput chart of what finished. Screenshots go to test-artifacts/ (not committed).

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const SCRIPTS = resolve(REPO_ROOT, "apps/task-queue/examples/scripts");

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
}

/** n items that run work.mjs briefly and succeed, and m that run hello.sh --fail. */
function items(prefix: string, succeed: number, fail = 0): Record<string, JsonValue> {
  const entries: Array<[string, JsonValue]> = [];
  for (let i = 0; i < succeed; i++)
    entries.push([`${prefix}-ok-${i}`, { file_name: "work.mjs", args: ["0.1", "succeed"] }]);
  for (let i = 0; i < fail; i++)
    entries.push([`${prefix}-fail-${i}`, { file_name: "hello.sh", args: ["--fail"] }]);
  return Object.fromEntries(entries);
}

describe("console overview with a real server and controller (process worker, PostgreSQL)", () => {
  const table = randomTableName("tq_console");
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  let queue: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    system = await startSystem(table, {
      WORKER_INTERFACE: "process",
      PATH_TO_SCRIPTS: SCRIPTS,
      PROCESSING_LIMIT: "2",
      // Every tick is logged (idle ones at debug), so the test can count the ticks that pass while paused.
      LOGGER_LEVEL: "debug",
    });
    queue = `q-${table.slice(-6)}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // Playwright's default of 30 s per action is within reach of a browser beside every other package's tests.
    page.setDefaultTimeout(90_000);
    await page.goto(`${system.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.controller.stop("SIGKILL");
    await system?.server.stop("SIGKILL");
    await dropQueueTable(await testDatabaseUrl(), table);
  });

  const card = () => page.locator(`#queue-cards section[data-queue="${queue}"]`);
  const chartTotals = async () => {
    const chart = card().locator("figure.chart svg");
    return {
      done: Number(await chart.getAttribute("data-done")),
      failed: Number(await chart.getAttribute("data-failed")),
    };
  };

  it("shows the controller's last tick, its identity and that it leads", async () => {
    await card().locator(".badge.leader").waitFor();
    const text = await card().locator(".controller").textContent();
    expect(text).toMatch(/last tick \d+ s ago by /);
    expect(text).toContain(`/${system.controller.child.pid}`);
    expect(await card().locator(".badge.stale").count()).toBe(0);
    expect(await card().locator(".badge.paused").count()).toBe(0);
    await screenshot(page, "overview-controller");
  });

  it("the chart shows the items that finished, done and failed", async () => {
    await putWithCli(system.url, items("first", 6, 2));
    await untilAllFinished(system.client, 8);
    // The page reads stats at most every 10 s: wait for the chart to catch up.
    await eventually(async () => ((await chartTotals()).done === 6 ? true : undefined), 500);
    expect(await chartTotals()).toEqual({ done: 6, failed: 2 });
    const bars = await card().locator("svg rect.done").count();
    expect(bars).toBeGreaterThan(0);
    expect(await card().locator("svg rect.failed").count()).toBeGreaterThan(0);
    expect(await card().locator("figcaption").textContent()).toContain("6 done");
    await screenshot(page, "overview-chart");
  });

  it("pause from the page stops releases (sizes stay), resume restarts them", async () => {
    const row = page.locator(`#queues tr[data-queue="${queue}"]`);
    await row.locator('button[data-action="pause"]').click();
    await page.locator("#confirm-ok").click();
    await row.locator('button[data-action="resume"]').waitFor();
    expect(await system.client.isPaused()).toBe(true);
    // The controller's next tick records that it released nothing because of the pause.
    await card().locator(".badge.paused").waitFor();
    await putWithCli(system.url, items("paused", 4));
    const ticksBefore = system.controller.lines.filter((line) => line.includes('"msg":"tick"')).length;
    // Many ticks (0.2 s each) pass while paused; none releases anything.
    await eventually(async () => {
      const ticks = system.controller.lines.filter((line) => line.includes('"msg":"tick"')).length;
      return ticks >= ticksBefore + 5 ? true : undefined;
    }, 200);
    expect(await system.client.sizes()).toEqual({ WAITING: 4, PROCESSING: 0, SUCCESS: 6, FAIL: 2 });
    await screenshot(page, "overview-paused");

    await row.locator('button[data-action="resume"]').click();
    await page.locator("#confirm-ok").click();
    await row.locator('button[data-action="pause"]').waitFor();
    expect(await system.client.isPaused()).toBe(false);
    const { sizes } = await untilAllFinished(system.client, 12);
    expect(sizes).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 10, FAIL: 2 });
    await eventually(async () => ((await chartTotals()).done === 10 ? true : undefined), 500);
    await card().locator(".badge.paused").waitFor({ state: "detached" });
  });

  it("is readable at 390 px: no horizontal scroll, the chart fits its card", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await card().locator("figure.chart svg").waitFor();
    // A string, evaluated in the page: this package's TypeScript has no DOM types.
    const fits = await page.evaluate(
      "document.documentElement.scrollWidth <= document.documentElement.clientWidth",
    );
    expect(fits).toBe(true);
    const chart = await card().locator("figure.chart svg").boundingBox();
    expect(chart!.width).toBeGreaterThan(200);
    expect(chart!.x + chart!.width).toBeLessThanOrEqual(390);
    await screenshot(page, "overview-390px");
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  it("a controller that stopped ticking is shown as stale", async () => {
    expect(await system.controller.stop()).toBe(0);
    // Stale after 3 periods, at least 10 s.
    await card().locator(".badge.stale").waitFor();
    expect(await card().locator(".controller .warning").textContent()).toContain(
      "is the controller running?",
    );
    await screenshot(page, "overview-stale");
  });
});
