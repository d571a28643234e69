import { QueueItemStage } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Queue } from "../src/index.js";
import { connection, freshPrefix, rawClient, removePrefix } from "./support/queues.js";

// S3 answers at most 1,000 keys per list request: every listing must follow the pages.
const COUNT = 2_500;
// About 14,000 requests in the second case; s3rver serves a few hundred a second, fewer on a busy CI machine.
const CASE_TIMEOUT_MS = 300_000;
const prefix = freshPrefix("pages");
let queue: S3Queue;

beforeAll(async () => {
  queue = new S3Queue(connection(prefix, { maxParallel: 64 }));
  const items: Record<string, number> = {};
  for (let i = 0; i < COUNT; i++) items[`item-${String(i).padStart(5, "0")}`] = i;
  expect((await queue.put(items)).added).toHaveLength(COUNT);
}, CASE_TIMEOUT_MS);

afterAll(async () => {
  await queue.close();
  const client = rawClient();
  await removePrefix(client, prefix);
  client.destroy();
}, CASE_TIMEOUT_MS);

describe(`a stage of ${COUNT} items (more than one list page)`, { timeout: CASE_TIMEOUT_MS }, () => {
  it("is counted, listed and paged whole", async () => {
    expect(await queue.size(QueueItemStage.WAITING)).toBe(COUNT);
    const all = await queue.lookupState(QueueItemStage.WAITING);
    expect(all.ids).toHaveLength(COUNT);
    expect(new Set(all.ids).size).toBe(COUNT);

    const paged: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await queue.lookupState(
        QueueItemStage.WAITING,
        cursor ? { limit: 1000, cursor } : { limit: 1000 },
      );
      paged.push(...page.ids);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(paged).toEqual(all.ids);
    expect(await queue.peek(1_200)).toHaveLength(1_200);
  });

  it("gives out more than 1,000 items in one get, each once, and the rest in the next", async () => {
    const first = await queue.get(1_500);
    expect(first).toHaveLength(1_500);
    const second = await queue.get(5_000);
    expect(second).toHaveLength(COUNT - 1_500);
    const ids = new Set([...first, ...second].map(([id]) => id));
    expect(ids.size).toBe(COUNT);
    expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: COUNT, SUCCESS: 0, FAIL: 0 });
    const moved = await queue.successMany([...ids].slice(0, 1_100));
    expect(moved.moved).toHaveLength(1_100);
    expect((await queue.lookupState(QueueItemStage.SUCCESS)).ids).toHaveLength(1_100);
  });
});
