import { describe, expect, it } from "vitest";
import { InMemoryQueue, InMemoryQueueNamespace, InvalidArgument } from "../src/index.js";
import { EVERY_CAPABILITY, runQueueConformance } from "../src/testing/index.js";

runQueueConformance("InMemoryQueue", () => new InMemoryQueue(), EVERY_CAPABILITY, {
  implementation: "InMemoryQueue",
});

describe("InMemoryQueueNamespace", () => {
  it("keeps named queues apart and lists those that hold items", async () => {
    const ns = new InMemoryQueueNamespace();
    await ns.queue("alpha").put({ a: 1 });
    await ns.queue("beta").put({ a: 2 });
    ns.queue("empty");
    expect(await ns.listQueues()).toEqual(["alpha", "beta"]);
    expect((await ns.queue("alpha").lookupItem("a")).itemBody).toBe(1);
    expect((await ns.queue("beta").lookupItem("a")).itemBody).toBe(2);
    expect(() => ns.queue("../etc")).toThrow(InvalidArgument);
  });
});
