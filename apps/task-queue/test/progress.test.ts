import { describe, expect, it } from "vitest";
import { formatRemaining, Progress, type ProgressStream } from "../src/client/progress.js";

/** A stream that keeps what was written, a terminal or not, and a clock the test moves. */
function harness(isTTY: boolean) {
  const written: string[] = [];
  const stream: ProgressStream = { isTTY, write: (text: string) => written.push(text) };
  let ms = 0;
  const progress = new Progress({ label: "put", unit: "items", total: 12_000, stream, now: () => ms });
  return { written, progress, advance: (by: number) => (ms += by) };
}

describe("put's progress", () => {
  it("piped: one plain line per step, with the rate and the time left, no control characters", () => {
    const { written, progress, advance } = harness(false);
    advance(2_000);
    progress.update(5_000);
    advance(2_000);
    progress.update(10_000);
    advance(800);
    progress.update(12_000);
    progress.finish();
    expect(written).toEqual([
      "put 5000/12000 items (41%), 2500 items/s, 3 s left\n",
      "put 10000/12000 items (83%), 2500 items/s, 1 s left\n",
      "put 12000/12000 items (100%), 2500 items/s\n",
    ]);
  });

  it("on a terminal: one line redrawn in place, ended by finish", () => {
    const { written, progress, advance } = harness(true);
    advance(2_000);
    progress.update(5_000);
    advance(3_000);
    progress.update(6_000);
    progress.finish();
    expect(written).toEqual([
      "\r\x1b[2Kput 5000/12000 items (41%), 2500 items/s, 3 s left",
      "\r\x1b[2Kput 6000/12000 items (50%), 1200 items/s, 5 s left",
      "\n",
    ]);
  });

  it("says the time left as a person reads it", () => {
    expect([0.2, 59, 250, 7_500].map(formatRemaining)).toEqual(["1 s", "59 s", "4 min 10 s", "2 h 5 min"]);
  });
});
