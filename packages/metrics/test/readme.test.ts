import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { expect, it } from "vitest";

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

it("the usage example counts the tick's release and the queue's moves in one exposition", async () => {
  const { logs } = await runExample(new URL("./readme/usage.ts", import.meta.url));
  expect(logs).toHaveLength(1);
  const [contentType, text] = logs[0] as [string, string];
  expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(text).toContain('task_queue_controller_released_total{queue="default"} 1');
  expect(text).toContain('task_queue_controller_leader{queue="default"} 1');
  expect(text).toMatch(/task_queue_items\{queue="default",stage="PROCESSING"\} 1/);
});
