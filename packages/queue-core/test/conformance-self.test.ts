// The conformance suite is only worth something if it fails broken queues. Each broken queue below breaks one
// rule, and the case that specifies that rule must reject it.
import { describe, expect, it } from "vitest";
import {
  InMemoryQueue,
  type ItemId,
  type JsonValue,
  type PutResult,
  type Queue,
  type QueueDescription,
  QueueItemStage,
  type RequeueResult,
} from "../src/index.js";
import { type ConformanceCase, conformanceCases, suiteFailure } from "../src/testing/index.js";

const options = { implementation: "InMemoryQueue", largeBatchSize: 500, concurrencyItems: 1000 };

function caseNamed(fragment: string): ConformanceCase {
  const found = conformanceCases.find((c) => c.name.includes(fragment));
  if (!found) throw new Error(`no conformance case mentions ${fragment}`);
  return found;
}

/** Selects the next items, yields to the event loop, then updates: the select-then-update race of the system we replace. */
class RacyGetQueue extends InMemoryQueue {
  override async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    const chosen = await this.peek(n);
    await new Promise((resolve) => setImmediate(resolve));
    await super.get(chosen.length);
    return chosen;
  }
}

class OverwritingPutQueue extends InMemoryQueue {
  override async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const result = await super.put(items);
    return { added: [...result.added, ...result.skipped], skipped: [] };
  }
}

class LifoQueue extends InMemoryQueue {
  override async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    const all = await super.get(10_000);
    const chosen = all.slice(-n || all.length).reverse();
    const giveBack = all.slice(0, all.length - chosen.length).map(([id]) => id);
    for (const id of giveBack) await this.fail(id);
    await this.requeue(giveBack);
    return n === 0 ? [] : chosen;
  }
}

class LooseTransitionQueue extends InMemoryQueue {
  override async success(id: ItemId): Promise<void> {
    if ((await this.lookupStatus(id)) === QueueItemStage.WAITING) {
      await this.get(0);
      return;
    }
    return super.success(id);
  }
}

class PartialPutQueue extends InMemoryQueue {
  override async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const good: Record<ItemId, JsonValue> = {};
    for (const [id, body] of Object.entries(items)) {
      try {
        await new InMemoryQueue().put({ [id]: body });
        good[id] = body;
      } catch {}
    }
    await super.put(good);
    return super.put(items);
  }
}

class MisnamedQueue extends InMemoryQueue {
  override async description(): Promise<QueueDescription> {
    return { implementation: "SomethingElse", arguments: { queue_name: "default" } };
  }
}

class NotJsonQueue extends InMemoryQueue {
  override async description(): Promise<QueueDescription> {
    return { implementation: "InMemoryQueue", arguments: { queue_name: "default", limit: Number.NaN } };
  }
}

class SilentRequeueQueue extends InMemoryQueue {
  override async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    const result = await super.requeue(ids);
    return { requeued: result.requeued, skipped: [] };
  }
}

async function fails(testCase: ConformanceCase, queue: Queue): Promise<unknown> {
  try {
    await testCase.run(queue, options);
  } catch (error) {
    return error;
  }
  return null;
}

/** The suite's own assertion with which the case mentioning `fragment` fails the broken queue. */
const failureOf = (fragment: string, queue: Queue) =>
  suiteFailure(() => caseNamed(fragment).run(queue, options));

describe("the conformance suite rejects broken queues", () => {
  it("passes a correct queue (the control)", async () => {
    for (const testCase of conformanceCases) {
      expect(await fails(testCase, new InMemoryQueue()), testCase.name).toBeNull();
    }
  });

  it("fails a queue that hands the same item to two concurrent callers", async () => {
    const failure = await failureOf("concurrent callers", new RacyGetQueue());
    expect(failure.message).toMatch(/^\d+ items were handed out more than once/);
    expect(failure.expected).toEqual([]);
  });

  it("fails a queue that overwrites duplicates", async () => {
    const failure = await failureOf("second put skips", new OverwritingPutQueue());
    expect(failure).toMatchObject({
      actual: { added: ["c", "b"], skipped: [] },
      expected: { added: ["c"], skipped: ["b"] },
    });
  });

  it("fails a queue whose description names another implementation, or does not survive JSON", async () => {
    expect(await failureOf("description names", new MisnamedQueue())).toMatchObject({
      actual: "SomethingElse",
      expected: "InMemoryQueue",
    });
    expect(await failureOf("description names", new NotJsonQueue())).toMatchObject({
      actual: { implementation: "InMemoryQueue", arguments: { queue_name: "default", limit: null } },
    });
  });

  it("fails a queue that is not FIFO", async () => {
    const failure = await failureOf("oldest first", new LifoQueue());
    expect(failure.expected).toEqual([...(failure.actual as string[])].reverse());
  });

  it("fails a queue that lets success move a WAITING item silently", async () => {
    const failure = await failureOf("only from PROCESSING", new LooseTransitionQueue());
    expect(failure.message).toBe("Missing expected rejection.");
  });

  it("fails a queue that writes the valid part of an invalid batch", async () => {
    const failure = await failureOf("rejected whole", new PartialPutQueue());
    expect(failure).toMatchObject({ actual: { WAITING: 2 }, expected: { WAITING: 1 } });
  });

  it("fails a queue that does not say why it skipped a requeue", async () => {
    const failure = await failureOf("requeue moves FAIL", new SilentRequeueQueue());
    expect(failure.actual).toEqual([]);
    expect(failure.expected).toContainEqual({ id: "nobody", reason: "NOT_FOUND" });
  });
});
