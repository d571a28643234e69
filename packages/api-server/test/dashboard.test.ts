import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import {
  CallbackDeliverer,
  hasCallbackOutbox,
  InMemoryQueueNamespace,
  type QueueNamespace,
} from "@task-queue/queue-core";
import { InMemoryEventStore, withEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, dropTables } from "@task-queue/queue-sql/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";

// The operator console in a real Chromium against a real server: every action is clicked, and its effect is
// checked through the API. Screenshots of each screen go to test-artifacts/ (not committed).

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "console-token";
const AUTH = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Backend {
  label: string;
  open(): Promise<{ queues: QueueNamespace; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    label: "memory",
    open: async () => {
      const queues = withEvents(new InMemoryQueueNamespace(), new InMemoryEventStore(), { base: "TASK" });
      return { queues, close: () => queues.close() };
    },
  },
  { label: "postgresql", open: () => sqlBackend(DATABASE_URL) },
  // PGlite in memory: the embedded database `task-queue dev` runs on.
  { label: "pglite", open: () => sqlBackend("pglite://memory") },
];

/** The queues and their events in one random table pair of a SQL database, dropped on close. */
async function sqlBackend(connection: string): Promise<{ queues: QueueNamespace; close(): Promise<void> }> {
  const table = `console_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const namespace = await SqlQueueNamespace.open({ connection, tableName: table });
  const store = new SqlEventStore(namespace.queue("default").database, { table: `${table}_events` });
  await store.migrate();
  const queues = withEvents(namespace, store, { base: "TASK" });
  return {
    queues,
    close: async () => {
      const db = namespace.queue("default").database;
      await dropQueueTable(db, table);
      await dropTables(db, `${table}_events`);
      await queues.close();
    },
  };
}

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
  });
}

async function api(port: number, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await send(
    port,
    method,
    path,
    body === undefined ? undefined : JSON.stringify(body),
    AUTH,
  );
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
  return JSON.parse(response.text);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
}

/** Clicks a button that asks for confirmation, and confirms. */
async function confirmClick(page: Page, selector: string): Promise<void> {
  await page.click(selector);
  await page.locator("#confirm-dialog[open]").waitFor();
  await page.click("#confirm-ok");
  await page
    .locator("#confirm-dialog[open]")
    .waitFor({ state: "detached" })
    .catch(() => {});
}

/** The console polls every 2 s: conditions on the page get a while to come true. */
// Waits, not time limits: long enough for a browser beside every other package's tests on two cores.
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000, interval: 100 });
/** Playwright's own default (30 s per action) was within reach of a loaded machine: the Swagger UI took 21 s. */
const ACTION_TIMEOUT_MS = 90_000;

const noHorizontalScroll = (page: Page): Promise<boolean> =>
  page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth");

const rowIds = (page: Page): Promise<string[]> =>
  page
    .locator("#items tbody tr[data-id]")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id") ?? ""));

/** Signs in: the first API call answers 401, the console asks for the token once. */
async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator("#token-dialog[open]").waitFor();
  await page.fill("#token", TOKEN);
  await page.click("#token-save");
}

describe.each(backends)("the console in a real browser ($label)", ({ label, open }) => {
  let browser: Browser;
  let server: Served;
  let close: () => Promise<void>;
  let queues: QueueNamespace;
  let base: string;
  let page: Page;
  const port = () => server.port;

  beforeAll(async () => {
    const opened = await open();
    close = opened.close;
    queues = opened.queues;
    server = await serveOnLoopback(
      createApp({
        queues: opened.queues,
        auth: { token: TOKEN },
        // The link an Argo deployment configures (the app builds it from ARGO_UI_URL); never followed here.
        workflowUrl: (queue, id) => `https://argo.invalid/workflows/${queue}?label=${encodeURIComponent(id)}`,
      }),
    );
    base = `http://127.0.0.1:${server.port}/`;
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    await signIn(page, base);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await close?.();
  });

  it("overview lists every queue with its stage counts, live, and pause/resume store the flag", async () => {
    await api(port(), "POST", "/api/v1/queues/jobs/put", { a: 1, b: 2 });
    const cells = page.locator('#queues tr[data-queue="jobs"] td.num');
    await eventually(() => cells.allTextContents()).toEqual(["2", "0", "0", "0"]);
    await api(port(), "GET", "/api/v1/queues/jobs/get/1");
    await eventually(() => cells.allTextContents()).toEqual(["1", "1", "0", "0"]);
    expect(await page.textContent("#updated")).toMatch(/^updated /);

    await confirmClick(page, '#queues tr[data-queue="jobs"] button[data-action="pause"]');
    await eventually(() => api(port(), "GET", "/api/v1/queues/jobs/pause")).toEqual({ paused: true });
    await page.locator('#queues tr[data-queue="jobs"] .badge.paused').waitFor();
    await screenshot(page, `${label}-overview`);
    await confirmClick(page, '#queues tr[data-queue="jobs"] button[data-action="resume"]');
    await eventually(() => api(port(), "GET", "/api/v1/queues/jobs/pause")).toEqual({ paused: false });

    // The age column is the oldest WAITING item's, not the next in line's: an urgent item put later goes first.
    await api(port(), "POST", "/api/v1/queues/ages/put_jobs", [{ item_id: "old", body: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await api(port(), "POST", "/api/v1/queues/ages/put_jobs", [{ item_id: "urgent", body: 2, priority: 10 }]);
    expect(await api(port(), "GET", "/api/v1/queues/ages/peek/1")).toEqual([["urgent", 2]]);
    const age = page.locator('#queues tr[data-queue="ages"] td.age');
    await eventually(async () => Number.parseInt((await age.textContent()) ?? "", 10) >= 3).toBe(true);
  });

  it("lists undelivered callbacks with their last error; re-send asks for confirmation, then makes one due again", async () => {
    await api(port(), "POST", "/api/v1/queues/hooks/put_jobs", [
      { item_id: "h1", body: 1, notify_url: "http://127.0.0.1:9/refused" },
    ]);
    await api(port(), "GET", "/api/v1/queues/hooks/get/1");
    await api(port(), "POST", "/api/v1/queues/hooks/fail", ["h1"]);
    // One try to a closed port, with no retries left: the callback is kept as failed.
    if (!hasCallbackOutbox(queues)) throw new Error("the backend has no callback outbox");
    await new CallbackDeliverer({ outbox: queues.callbackOutbox, horizonSeconds: 0 }).deliverDue();
    await page.goto(`${base}#/queue/hooks/WAITING`);
    await page.click("#callbacks-link");
    const row = page.locator("#callbacks tbody tr");
    await eventually(() => row.count()).toBe(1);
    expect(await row.locator(".badge").textContent()).toBe("failed");
    expect(await row.locator("td.error").textContent()).not.toBe("");
    await screenshot(page, `${label}-callbacks`);
    // Cancelling the confirmation changes nothing.
    await page.click("#callbacks button.resend");
    await page.locator("#confirm-dialog[open]").waitFor();
    await page.keyboard.press("Escape");
    const failed = (await api(port(), "GET", "/api/v1/queues/hooks/callbacks?status=failed")) as unknown[];
    expect(failed).toHaveLength(1);
    await confirmClick(page, "#callbacks button.resend");
    await eventually(
      async () =>
        ((await api(port(), "GET", "/api/v1/queues/hooks/callbacks?status=pending")) as unknown[]).length,
    ).toBe(1);
    await eventually(() => row.locator(".badge").textContent()).toBe("pending");
  });

  it("pages through 250 items with a chosen page size, and filters by id prefix", async () => {
    const items: Record<string, number> = {};
    for (let i = 0; i < 250; i++) items[`item-${String(i).padStart(4, "0")}`] = i;
    await api(port(), "POST", "/api/v1/queues/bulk/put", items);
    await page.goto(`${base}#/queue/bulk/WAITING`);
    await page.selectOption("#page-size", "100");
    const seen: string[] = [];
    const sizes: number[] = [];
    await eventually(() => page.textContent("#page-info")).toContain("items 1–100");
    for (;;) {
      const ids = await rowIds(page);
      seen.push(...ids);
      sizes.push(ids.length);
      if (await page.isDisabled("#next-page")) break;
      const before = await page.textContent("#page-info");
      await page.click("#next-page");
      await eventually(() => page.textContent("#page-info")).not.toBe(before);
    }
    expect(sizes).toEqual([100, 100, 50]);
    expect(seen).toEqual(Object.keys(items));

    await page.fill("#prefix", "item-002");
    await eventually(() => rowIds(page)).toEqual(
      Object.keys(items).filter((id) => id.startsWith("item-002")),
    );
    expect(await page.isDisabled("#next-page")).toBe(true);
    await screenshot(page, `${label}-items`);
  });

  it("selected rows: retry now, cancel, requeue, delete and requeue all failed, each checked through the API", async () => {
    await api(port(), "POST", "/api/v1/queues/acts/put_jobs", [
      { item_id: "late-1", body: { n: 1 }, delay_seconds: 3600 },
      { item_id: "late-2", body: { n: 2 }, delay_seconds: 3600 },
      { item_id: "keep", body: { n: 3 } },
    ]);
    const record = (id: string) =>
      api(port(), "GET", `/api/v1/queues/acts/item/${id}`) as Promise<Record<string, unknown>>;
    await page.goto(`${base}#/queue/acts/WAITING`);
    await eventually(() => rowIds(page)).toEqual(["keep", "late-1", "late-2"]);
    expect(await page.isDisabled("#retry-selected")).toBe(true);
    await page.check('tr[data-id="late-1"] input[type=checkbox]');
    await page.check('tr[data-id="late-2"] input[type=checkbox]');
    await confirmClick(page, "#retry-selected");
    await eventually(async () => (await record("late-1")).run_after).toBeNull();
    expect((await record("late-2")).run_after).toBeNull();
    await eventually(() => page.textContent("#notice")).toContain("made 2 available now");

    // A fresh page: the rows just changed (run_after cleared), and a live update re-rendering a changed row
    // would drop a selection made before it.
    await page.goto(`${base}#/queue/acts/WAITING`);
    await page.reload();
    await eventually(() => rowIds(page)).toEqual(["keep", "late-1", "late-2"]);
    await page.check('tr[data-id="late-1"] input[type=checkbox]');
    await page.check('tr[data-id="late-2"] input[type=checkbox]');
    await confirmClick(page, "#cancel-selected");
    await eventually(async () => (await record("late-2")).stage).toBe("FAIL");
    await eventually(async () => (await record("late-1")).stage).toBe("FAIL");
    expect(await record("late-1")).toMatchObject({ stage: "FAIL", last_error: "cancelled from the console" });

    await page.goto(`${base}#/queue/acts/FAIL`);
    await eventually(() => rowIds(page)).toEqual(["late-1", "late-2"]);
    expect(await page.locator('tr[data-id="late-1"] td.error').textContent()).toBe(
      "cancelled from the console",
    );
    await page.check('tr[data-id="late-1"] input[type=checkbox]');
    await confirmClick(page, "#requeue-selected");
    await eventually(async () => (await record("late-1")).stage).toBe("WAITING");
    await eventually(() => rowIds(page)).toEqual(["late-2"]);
    await page.check('tr[data-id="late-2"] input[type=checkbox]');
    await confirmClick(page, "#delete-selected");
    await expect
      .poll(
        async () => (await send(port(), "GET", "/api/v1/queues/acts/item/late-2", undefined, AUTH)).status,
      )
      .toBe(400);

    // Requeue all failed: two more FAIL items, one click.
    await api(port(), "POST", "/api/v1/queues/acts/cancel/keep", {});
    await api(port(), "POST", "/api/v1/queues/acts/cancel/late-1", {});
    await eventually(() => rowIds(page)).toEqual(["keep", "late-1"]);
    await confirmClick(page, "#requeue-all");
    await eventually(() => api(port(), "GET", "/api/v1/queues/acts/sizes")).toEqual({
      WAITING: 2,
      PROCESSING: 0,
      SUCCESS: 0,
      FAIL: 0,
    });

    // A cancelled confirmation changes nothing.
    await page.goto(`${base}#/queue/acts/WAITING`);
    await eventually(() => rowIds(page)).toEqual(["keep", "late-1"]);
    await page.check('tr[data-id="keep"] input[type=checkbox]');
    await page.click("#delete-selected");
    await page.locator("#confirm-dialog[open]").waitFor();
    await page.keyboard.press("Escape");
    expect((await record("keep")).stage).toBe("WAITING");
  });

  it("the item page of a failed, retried item shows its reason, attempts, body, result and timeline; its actions work", async () => {
    await api(port(), "POST", "/api/v1/queues/life/put_jobs", [
      { item_id: "job/1", body: { scene: 7, frames: [1, 2, 3] }, max_attempts: 2 },
    ]);
    for (const reason of ["first try: exit 3", "second try: exit 4\n  at render (scene.py:12)\n  at main"]) {
      const [job] = (await api(port(), "GET", "/api/v1/queues/life/get_jobs/1")) as Array<{
        attempt: number;
      }>;
      await api(port(), "POST", "/api/v1/queues/life/fail/job%2F1", {
        attempt: job!.attempt,
        reason,
        retry_delay_seconds: 0,
      });
    }
    await page.goto(`${base}#/queue/life/item/job%2F1`);
    await eventually(() => page.textContent('[data-field="stage"]')).toBe("FAIL");
    expect(await page.textContent('[data-field="attempts"]')).toBe("2 of 2");
    expect(await page.textContent("#last-error pre")).toBe(
      "second try: exit 4\n  at render (scene.py:12)\n  at main",
    );
    expect(JSON.parse((await page.textContent("#body")) ?? "null")).toEqual({ scene: 7, frames: [1, 2, 3] });
    const steps = page.locator("#timeline li");
    await eventually(() => steps.count()).toBe(5);
    const texts = await steps.allTextContents();
    expect(texts[0]).toContain("added to WAITING");
    expect(texts[1]).toContain("WAITING → PROCESSING");
    expect(texts[2]).toContain("PROCESSING → WAITING (RETRY)");
    expect(texts[2]).toContain("first try: exit 3");
    expect(texts[4]).toContain("PROCESSING → FAIL");
    expect(texts[4]).toContain("second try: exit 4");
    expect(texts[1]).toMatch(/after \d+ s/);
    expect(await page.getAttribute("#workflow-link", "href")).toBe(
      "https://argo.invalid/workflows/life?label=job%2F1",
    );
    // The body section folds.
    await page.click("#body-section summary");
    expect(await page.locator("#body").isVisible()).toBe(false);
    await page.click("#body-section summary");
    await screenshot(page, `${label}-item`);

    await confirmClick(page, "#item-requeue");
    await expect
      .poll(
        async () =>
          ((await api(port(), "GET", "/api/v1/queues/life/item/job%2F1")) as { stage: string }).stage,
      )
      .toBe("WAITING");
    await eventually(() => page.textContent('[data-field="attempts"]')).toBe("0 of 2");
    await confirmClick(page, "#item-cancel");
    await expect
      .poll(
        async () =>
          ((await api(port(), "GET", "/api/v1/queues/life/item/job%2F1")) as { stage: string }).stage,
      )
      .toBe("FAIL");
    await eventually(() => page.locator("#item-delete").count()).toBe(1);
    await confirmClick(page, "#item-delete");
    await expect
      .poll(
        async () => (await send(port(), "GET", "/api/v1/queues/life/item/job%2F1", undefined, AUTH)).status,
      )
      .toBe(400);

    // Retry now from the item page, and the result of a success.
    await api(port(), "POST", "/api/v1/queues/life/put_jobs", [
      { item_id: "later", body: 1, delay_seconds: 600 },
    ]);
    await page.goto(`${base}#/queue/life/item/later`);
    await confirmClick(page, "#item-retry-now");
    await expect
      .poll(
        async () =>
          ((await api(port(), "GET", "/api/v1/queues/life/item/later")) as { run_after: unknown }).run_after,
      )
      .toBeNull();
    await api(port(), "GET", "/api/v1/queues/life/get/1");
    await api(port(), "POST", "/api/v1/queues/life/success/later", { result: { frames: 24 } });
    await eventually(() => page.textContent("#result pre")).toBe('{\n  "frames": 24\n}');
  });

  it("puts a new item through the JSON editor, showing errors inline", async () => {
    await page.goto(`${base}#/queue/fresh/put`);
    await page.fill("#put-id", "new-1");
    await page.fill("#put-body", '{"a": 1,}');
    await eventually(() => page.textContent("#put-body-error")).toContain("Not valid JSON");
    expect(await page.isDisabled("#put-submit")).toBe(true);
    await page.fill("#put-body", '{"a": 1}');
    expect(await page.textContent("#put-body-error")).toBe("");
    await page.fill("#put-max-attempts", "0");
    await confirmClick(page, "#put-submit");
    await eventually(() => page.textContent("#put-error")).toContain("max_attempts");
    expect((await send(port(), "GET", "/api/v1/queues/fresh/item/new-1", undefined, AUTH)).status).toBe(400);
    await screenshot(page, `${label}-put`);
    await page.fill("#put-max-attempts", "3");
    await page.fill("#put-priority", "5");
    await confirmClick(page, "#put-submit");
    await eventually(() => page.url()).toContain("#/queue/fresh/item/new-1");
    expect(await api(port(), "GET", "/api/v1/queues/fresh/item/new-1")).toMatchObject({
      body: { a: 1 },
      max_attempts: 3,
      priority: 5,
      stage: "WAITING",
    });
  });

  it("is readable at 390 px without horizontal scrolling, and usable from the keyboard", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.setDefaultTimeout(ACTION_TIMEOUT_MS);
    try {
      await signIn(phone, base);
      for (const [hash, ready] of [
        ["#/", '#queues tr[data-queue="bulk"]'],
        ["#/queue/bulk/WAITING", "#items tr[data-id]"],
        ["#/queue/fresh/item/new-1", '[data-field="stage"]'],
        ["#/queue/fresh/put", "#put-form"],
      ] as const) {
        await phone.goto(`${base}${hash}`);
        await phone.locator(ready).first().waitFor();
        expect(await noHorizontalScroll(phone), hash).toBe(true);
        await screenshot(phone, `${label}-390px-${hash.replace(/[^a-z]+/g, "-")}`);
      }
      // Keyboard: tab to the first row's checkbox, tick it with the space bar, and the bulk actions come alive.
      await phone.goto(`${base}#/queue/bulk/WAITING`);
      await phone.locator("#items tr[data-id]").first().waitFor();
      await phone.focus("#select-all");
      await phone.keyboard.press("Tab");
      await phone.keyboard.press("Space");
      expect(await phone.isDisabled("#delete-selected")).toBe(false);
      await phone.keyboard.press("Tab");
      await phone.keyboard.press("Enter");
      await eventually(() => phone.url()).toContain("#/queue/bulk/item/item-0000");
    } finally {
      await phone.close();
    }
  });

  it("the API reference and openapi.json open from the console with the same token; try it sends it", async () => {
    await page.goto(base);
    await page.click("#docs-link");
    await page.locator(".swagger-ui .opblock").first().waitFor();
    expect(await page.textContent("#docs-error")).toBe("");
    await screenshot(page, `${label}-docs`);
    // Try it out: listQueues, answered with the token Swagger UI added.
    const block = page
      .locator(".opblock")
      .filter({ has: page.locator('.opblock-summary-path[data-path="/api/v1/queues"]') });
    await block.locator(".opblock-summary").click();
    await block.locator(".try-out__btn").click();
    await block.locator(".execute").click();
    await eventually(() =>
      block.locator(".live-responses-table tbody .response-col_status").first().textContent(),
    ).toContain("200");

    await page.goto(base);
    await page.click("#spec-link");
    await eventually(() => page.textContent("body")).toContain('"openapi": "3.1.0"');
  });
});

/** Serves the app under /task-queue/ the way a path-stripping proxy would; nothing outside the prefix exists. */
function serveUnderPrefix(app: App, prefix: string): Promise<Served> {
  return serveOnLoopback({
    fetch: (request: Request): Response | Promise<Response> => {
      const url = new URL(request.url);
      if (!url.pathname.startsWith(`${prefix}/`)) return new Response("outside the prefix", { status: 404 });
      url.pathname = url.pathname.slice(prefix.length);
      return app.fetch(new Request(url, request));
    },
  });
}

describe("base-path deployment", () => {
  it("every page, fetch and link stays under the prefix", async () => {
    const queues = withEvents(new InMemoryQueueNamespace(), new InMemoryEventStore(), { base: "TASK" });
    const server = await serveUnderPrefix(createApp({ queues, auth: { token: TOKEN } }), "/task-queue");
    const browser = await launch();
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const outside: string[] = [];
      page.on("response", (response) => {
        if (
          !new URL(response.url()).pathname.startsWith("/task-queue/") &&
          !response.url().startsWith("blob:")
        ) {
          outside.push(response.url());
        }
      });
      await send(server.port, "POST", "/task-queue/api/v1/queues/jobs/put", '{"x/1":{"a":1}}', AUTH);
      await signIn(page, `http://127.0.0.1:${server.port}/task-queue/`);
      await page.locator('#queues tr[data-queue="jobs"]').waitFor();
      await page.click('#queues tr[data-queue="jobs"] a');
      await page.click('#items tr[data-id="x/1"] a');
      await eventually(() => page.textContent('[data-field="stage"]')).toBe("WAITING");
      await page.locator("#timeline li").first().waitFor();
      await page.click("#back");
      await page.locator("#items tr[data-id]").first().waitFor();
      await page.click("#docs-link");
      await page.locator(".swagger-ui .opblock").first().waitFor();
      expect(page.url()).toBe(`http://127.0.0.1:${server.port}/task-queue/docs`);
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
