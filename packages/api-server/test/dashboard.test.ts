import { existsSync } from "node:fs";
import { InMemoryQueueNamespace, type QueueNamespace } from "@task-queue/queue-core";
import { InMemoryEventStore, withEvents } from "@task-queue/queue-events";
import { type Browser, chromium, type Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "tok";
const AUTH = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

/**
 * A served app with a token, seeded through the API before the page loads (so its first refresh shows the seed),
 * a headless Chromium and a page already signed in; everything closed after fn.
 */
async function withDashboard(
  queues: QueueNamespace,
  seed: (server: Served) => Promise<void>,
  fn: (page: Page, server: Served) => Promise<void>,
): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const server = await serveOnLoopback(createApp({ queues, auth: { token: TOKEN } }));
  let browser: Browser | undefined;
  try {
    await seed(server);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await expect.poll(() => page.textContent("#error")).toContain("401");
    await page.fill("#token", TOKEN);
    await page.dispatchEvent("#token", "change");
    await fn(page, server);
  } finally {
    await browser?.close();
    await server.close();
  }
}

async function lookUp(page: Page, queue: string, item: string): Promise<void> {
  await page.fill("#queue", queue);
  await page.fill("#item", item);
  await page.click("button");
}

describe("dashboard in a real browser", () => {
  it("shows queue sizes, refreshes them, and looks up an item", async () => {
    const seed = async (server: Served) => {
      await send(server.port, "POST", "/api/v1/queues/jobs/put", '{"a/1":{"x":1},"b":2}', AUTH);
    };
    await withDashboard(new InMemoryQueueNamespace(), seed, async (page, server) => {
      const jobs = page.locator('tr[data-queue="jobs"] td');
      await expect.poll(() => jobs.allTextContents()).toEqual(["jobs", "2", "0", "0", "0"]);
      await send(server.port, "GET", "/api/v1/queues/jobs/get/1", undefined, AUTH);
      await expect
        .poll(() => jobs.allTextContents(), { timeout: 15_000 })
        .toEqual(["jobs", "1", "1", "0", "0"]);
      await lookUp(page, "jobs", "a/1");
      await expect.poll(() => page.textContent("#item-result")).toContain("PROCESSING");
      const text = await page.textContent("#item-result");
      expect(text).toContain('"x": 1');
      expect(text).toContain("history is not recorded");
    });
  }, 60_000);

  it("with events on, the item lookup shows the item's history", async () => {
    const queues = withEvents(new InMemoryQueueNamespace(), new InMemoryEventStore(), { base: "TASK" });
    const seed = async (server: Served) => {
      await send(server.port, "POST", "/api/v1/queues/jobs/put", '{"a/1":{"x":1}}', AUTH);
      await send(server.port, "GET", "/api/v1/queues/jobs/get/1", undefined, AUTH);
      await send(server.port, "POST", "/api/v1/queues/jobs/fail/a%2F1", undefined, AUTH);
    };
    await withDashboard(queues, seed, async (page, server) => {
      await lookUp(page, "jobs", "a/1");
      const sections = page.locator("#item-result h3");
      await expect.poll(() => sections.allTextContents()).toEqual(["Status", "Body", "History"]);
      expect(await page.locator("#item-result pre").first().textContent()).toBe("FAIL");
      const shown = JSON.parse((await page.locator("#item-result pre").nth(2).textContent()) ?? "null");
      const route = await send(server.port, "GET", "/api/v1/queues/jobs/history/a%2F1", undefined, AUTH);
      expect(shown).toEqual(JSON.parse(route.text));
      expect(shown.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
        [null, "WAITING"],
        ["WAITING", "PROCESSING"],
        ["PROCESSING", "FAIL"],
      ]);
    });
  }, 60_000);
});
