import { describe, expect, it } from "vitest";
import { winningCopy } from "../src/resolve-copies.js";

describe("which copy wins when a move was interrupted between copy and delete", () => {
  it("is the destination of the interrupted move, for each move", () => {
    expect(
      winningCopy([
        { stage: "WAITING", seq: 0 },
        { stage: "PROCESSING", seq: 1 },
      ]).stage,
    ).toBe("PROCESSING");
    // A retry (fail with attempts left, or a rescued lease) keeps the count: WAITING is its destination.
    expect(
      winningCopy([
        { stage: "PROCESSING", seq: 1 },
        { stage: "WAITING", seq: 1 },
      ]).stage,
    ).toBe("WAITING");
    expect(
      winningCopy([
        { stage: "PROCESSING", seq: 1 },
        { stage: "SUCCESS", seq: 1 },
      ]).stage,
    ).toBe("SUCCESS");
    expect(
      winningCopy([
        { stage: "PROCESSING", seq: 1 },
        { stage: "FAIL", seq: 1 },
      ]).stage,
    ).toBe("FAIL");
    expect(
      winningCopy([
        { stage: "FAIL", seq: 1 },
        { stage: "WAITING", seq: 1 },
      ]).stage,
    ).toBe("WAITING");
  });

  it("between copies of equal count, takes the one a later move wrote (a cancel WAITING → FAIL beats a requeue's order)", () => {
    expect(
      winningCopy([
        { stage: "WAITING", seq: 2, updatedAt: 1_000 },
        { stage: "FAIL", seq: 2, updatedAt: 2_000 },
      ]).stage,
    ).toBe("FAIL");
    expect(
      winningCopy([
        { stage: "FAIL", seq: 2, updatedAt: 1_000 },
        { stage: "WAITING", seq: 2, updatedAt: 2_000 },
      ]).stage,
    ).toBe("WAITING");
  });

  it("follows the claim count around the WAITING → PROCESSING → FAIL → WAITING cycle", () => {
    // A requeue left FAIL behind, then get claimed the WAITING copy: the PROCESSING copy is the newer.
    expect(
      winningCopy([
        { stage: "FAIL", seq: 1 },
        { stage: "PROCESSING", seq: 2 },
      ]).stage,
    ).toBe("PROCESSING");
    expect(
      winningCopy([
        { stage: "WAITING", seq: 3 },
        { stage: "FAIL", seq: 2 },
      ]).stage,
    ).toBe("WAITING");
  });

  it("prefers the stage furthest along for pairs no single move makes", () => {
    expect(
      winningCopy([
        { stage: "SUCCESS", seq: 1 },
        { stage: "FAIL", seq: 1 },
      ]).stage,
    ).toBe("SUCCESS");
    expect(
      winningCopy([
        { stage: "WAITING", seq: 1 },
        { stage: "SUCCESS", seq: 1 },
      ]).stage,
    ).toBe("SUCCESS");
  });
});
