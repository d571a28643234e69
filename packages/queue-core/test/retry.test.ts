import { describe, expect, it } from "vitest";
import { RETRY, type Try, withBackoff } from "../src/index.js";

describe("withBackoff", () => {
  it("tries until a try returns a result, with doubling waits capped at maxDelayMs", async () => {
    const seen: Try[] = [];
    const result = await withBackoff({ attempts: 5, initialDelayMs: 1, maxDelayMs: 3 }, async (current) => {
      seen.push(current);
      return current.attempt < 4 ? RETRY : "done";
    });
    expect(result).toBe("done");
    expect(seen).toEqual([
      { attempt: 1, last: false, delayMs: 1 },
      { attempt: 2, last: false, delayMs: 2 },
      { attempt: 3, last: false, delayMs: 3 },
      { attempt: 4, last: false, delayMs: 3 },
    ]);
  });

  it("tells the last try it is the last, and makes at least one", async () => {
    const lasts: boolean[] = [];
    await withBackoff({ attempts: 0, initialDelayMs: 1 }, async ({ last }) => {
      lasts.push(last);
      return null;
    });
    expect(lasts).toEqual([true]);
    const flags: boolean[] = [];
    await expect(
      withBackoff({ attempts: 2, initialDelayMs: 1 }, async ({ last }) => {
        flags.push(last);
        return RETRY;
      }),
    ).rejects.toThrow("the last of 2 tries asked for another one");
    expect(flags).toEqual([false, true]);
  });

  it("stops at the first error a try throws", async () => {
    let tries = 0;
    await expect(
      withBackoff({ attempts: 3, initialDelayMs: 1 }, async () => {
        tries++;
        throw new TypeError("not worth retrying");
      }),
    ).rejects.toThrow(TypeError);
    expect(tries).toBe(1);
  });
});
