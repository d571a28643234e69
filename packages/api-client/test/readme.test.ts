import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { CallbackDeliverer, type CallbackPayload, InMemoryQueueNamespace } from "@task-queue/queue-core";
import { expect, it } from "vitest";
import { callbackReceiver } from "./readme-example.js";

const SECRET = "readme-secret-0123456789";

it("the README's receiver verifies a real delivery, acts once per delivery id and refuses a forgery", async () => {
  const finished: CallbackPayload[] = [];
  const server = callbackReceiver(SECRET, (payload) => finished.push(payload));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
  try {
    const namespace = new InMemoryQueueNamespace();
    const queue = namespace.queue("renders");
    await queue.setCallbackSettings({ secret: SECRET });
    await queue.putJobs([{ id: "frame-1", body: {}, notifyUrl: url }]);
    await queue.get(1);
    await queue.fail("frame-1", { reason: "out of memory" });
    const deliverer = new CallbackDeliverer({ outbox: namespace.callbackOutbox });
    expect(await deliverer.deliverDue()).toBe(1);
    expect(await queue.callbacks()).toEqual([]);
    expect(finished).toMatchObject([
      { queue: "renders", item_id: "frame-1", stage: "FAIL", last_error: "out of memory" },
    ]);
    const forged = await fetch(url, {
      method: "POST",
      body: JSON.stringify(finished[0]),
      headers: { "x-task-queue-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
    });
    expect(forged.status).toBe(401);
    expect(finished).toHaveLength(1);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it("the README shows the receiver exactly as it is tested", async () => {
  const source = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const start = "// README example start\n";
  const example = source
    .slice(source.indexOf(start) + start.length, source.indexOf("  // README example end"))
    .split("\n")
    .map((line) => line.replace(/^ {2}/, ""))
    .join("\n")
    .trim();
  expect(readme).toContain(example);
});
