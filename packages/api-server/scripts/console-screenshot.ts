// Regenerates resources/console.png, the screenshot in the README: a seeded in-memory server, the console's
// queue view in headless Chromium (/usr/bin/chromium). Run: pnpm --filter @task-queue/api-server screenshot
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { InMemoryEventStore, withEvents } from "@task-queue/queue-events";
import { chromium } from "playwright-core";
import { createApp } from "../src/index.js";

const target = fileURLToPath(new URL("../../../resources/console.png", import.meta.url));
const queues = withEvents(new InMemoryQueueNamespace(), new InMemoryEventStore(), { base: "TASK" });
const renders = queues.queue("renders");
await renders.putJobs(
  Array.from({ length: 40 }, (_, i) => ({
    id: `shot-${String(i).padStart(3, "0")}`,
    body: { scene: i, frames: [1, 240] },
    maxAttempts: 3,
    priority: i % 3,
  })),
);
for (const [i, job] of (await renders.getJobs(12)).entries()) {
  if (i < 6) await renders.success(job.itemId, { attempt: job.attempt, result: { frames: 240 } });
  else if (i < 9)
    await renders.fail(job.itemId, {
      attempt: job.attempt,
      reason: `exit status ${i}: out of memory`,
      retryDelaySeconds: 0,
    });
}
for (const job of await renders.getJobs(3))
  await renders.fail(job.itemId, { attempt: job.attempt, reason: "exit status 2: missing texture" });
await queues.queue("thumbnails").put({ "thumb-1": { w: 128 }, "thumb-2": { w: 256 } });
await queues.queue("thumbnails").setPaused?.(true);

const server = serve({ fetch: createApp({ queues }).fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((resolve) => server.once("listening", resolve));
const address = server.address();
const port = typeof address === "object" && address ? address.port : 0;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await page.goto(`http://127.0.0.1:${port}/#/queue/renders/WAITING`);
  await page.locator("#items tr[data-id]").first().waitFor();
  await page.check('tr[data-id="shot-012"] input[type=checkbox]');
  await page.screenshot({ path: target });
  console.log(`wrote ${target}`);
} finally {
  await browser.close();
  server.close();
}
