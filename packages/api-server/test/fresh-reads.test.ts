import { describe, expect, it } from "vitest";
import { FreshReads } from "../src/fresh-reads.js";

/** A read the test finishes by hand, numbered in the order reads began. */
function controlledLoads() {
  const started: Array<{ n: number; finish: (value: number) => void; fail: (error: Error) => void }> = [];
  const load = () =>
    new Promise<number>((resolve, reject) => {
      started.push({ n: started.length + 1, finish: resolve, fail: reject });
    });
  return { started, load };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("FreshReads", () => {
  it("shares one read among callers that ask while none is running", async () => {
    const reads = new FreshReads<number>();
    const { started, load } = controlledLoads();
    const first = reads.read("q", load);
    expect(started).toHaveLength(1);
    started[0]!.finish(7);
    expect(await first).toBe(7);
  });

  it("never answers a caller from a read that began before it asked", async () => {
    const reads = new FreshReads<number>();
    const { started, load } = controlledLoads();
    const early = reads.read("q", load);
    // These arrive while read 1 runs: they must not get its answer, but share read 2.
    const late = [reads.read("q", load), reads.read("q", load), reads.read("q", load)];
    expect(started).toHaveLength(1);
    started[0]!.finish(1);
    expect(await early).toBe(1);
    await tick();
    expect(started).toHaveLength(2);
    // One arriving while read 2 runs waits for read 3.
    const later = reads.read("q", load);
    started[1]!.finish(2);
    expect(await Promise.all(late)).toEqual([2, 2, 2]);
    await tick();
    expect(started).toHaveLength(3);
    started[2]!.finish(3);
    expect(await later).toBe(3);
  });

  it("keeps keys apart", async () => {
    const reads = new FreshReads<number>();
    const { started, load } = controlledLoads();
    const a = reads.read("a", load);
    const b = reads.read("b", load);
    expect(started).toHaveLength(2);
    started[0]!.finish(10);
    started[1]!.finish(20);
    expect([await a, await b]).toEqual([10, 20]);
  });

  it("gives a failed read's error to those who shared it, and reads afresh after", async () => {
    const reads = new FreshReads<number>();
    const { started, load } = controlledLoads();
    const first = reads.read("q", load);
    const waiting = reads.read("q", load);
    started[0]!.fail(new Error("storage down"));
    await expect(first).rejects.toThrow("storage down");
    await tick();
    started[1]!.finish(5);
    expect(await waiting).toBe(5);
    const again = reads.read("q", load);
    expect(started).toHaveLength(3);
    started[2]!.finish(6);
    expect(await again).toBe(6);
  });
});
