import { expect } from "vitest";
import { ITEM_EVENT_VERSION, type QueueWithEvents } from "../../src/index.js";

/** put → get → fail → requeue → get → success, checking the exact events and the history they make. */
export async function expectLifeRecorded(queue: QueueWithEvents, queueName: string): Promise<void> {
  const { names, store } = queue;
  await queue.put({ job: { task: "render", frames: [1, 2] } });
  expect(await queue.get(1)).toEqual([["job", { task: "render", frames: [1, 2] }]]);
  await queue.fail("job");
  expect(await queue.requeue("job")).toEqual({ requeued: ["job"], skipped: [] });
  expect(await queue.get(1)).toEqual([["job", { task: "render", frames: [1, 2] }]]);
  await queue.success("job");

  const events = await store.itemHistory(queueName, "job");
  const description = JSON.parse(JSON.stringify(await queue.inner.description()));
  const move = (from: string, to: string, extra: Record<string, unknown> = {}) => ({
    name: names.move,
    version: ITEM_EVENT_VERSION,
    data: { queue: queueName, id: "job", from, to, ...extra },
    metadata: {},
  });
  expect(events.map(({ name, version, data, metadata }) => ({ name, version, data, metadata }))).toEqual([
    {
      name: names.add,
      version: ITEM_EVENT_VERSION,
      data: { queue: queueName, id: "job", body: { task: "render", frames: [1, 2] }, description },
      metadata: {},
    },
    move("WAITING", "PROCESSING", { attempt: 1 }),
    move("PROCESSING", "FAIL"),
    move("FAIL", "WAITING", { action: "REQUEUE" }),
    move("WAITING", "PROCESSING", { attempt: 1 }),
    move("PROCESSING", "SUCCESS"),
  ]);

  const history = await queue.history("job");
  expect(history.map(({ kind, from, to, action }) => [kind, from, to, action])).toEqual([
    ["ADD", null, "WAITING", undefined],
    ["MOVE", "WAITING", "PROCESSING", undefined],
    ["MOVE", "PROCESSING", "FAIL", undefined],
    ["MOVE", "FAIL", "WAITING", "REQUEUE"],
    ["MOVE", "WAITING", "PROCESSING", undefined],
    ["MOVE", "PROCESSING", "SUCCESS", undefined],
  ]);
  expect(history.map((entry) => entry.eventId)).toEqual(events.map((event) => event.id));
  expect(history.map((entry) => entry.time)).toEqual(events.map((event) => event.time.toISOString()));
}
