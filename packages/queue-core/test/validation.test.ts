import { describe, expect, it } from "vitest";
import {
  assertCount,
  InvalidArgument,
  InvalidItem,
  InvalidStage,
  itemIdProblem,
  parseStage,
  QueueItemStage,
  stageName,
  validatePutBatch,
} from "../src/index.js";
import { DummyWorker } from "../src/testing/index.js";

describe("stages", () => {
  it("have the numbers and names of the wire format", () => {
    expect(QueueItemStage).toEqual({ WAITING: 0, PROCESSING: 1, SUCCESS: 2, FAIL: 3 });
    expect(stageName(3)).toBe("FAIL");
    expect(parseStage("PROCESSING")).toBe(1);
    expect(parseStage("2")).toBe(2);
    expect(() => parseStage("DONE")).toThrow(InvalidStage);
    expect(() => parseStage("DONE")).toThrow("DONE not a Queue Item Stage");
  });
});

describe("item validation", () => {
  it("accepts ids up to 512 UTF-8 bytes and rejects the rest with the reason", () => {
    expect(itemIdProblem("a".repeat(512))).toBeNull();
    expect(itemIdProblem("€".repeat(170))).toBeNull(); // 510 bytes
    expect(itemIdProblem("€".repeat(171))).toMatch(/513 UTF-8 bytes/);
    expect(itemIdProblem("")).toMatch(/empty/);
    expect(itemIdProblem("a\u0000b")).toMatch(/control/);
    expect(itemIdProblem("a\u0085b")).toMatch(/control/);
    expect(itemIdProblem("\ud800")).toMatch(/well-formed/);
  });

  it("names every bad item of a batch in one error", () => {
    try {
      validatePutBatch(
        { ok: 1, "": 2, big: "x".repeat(100), n: Number.POSITIVE_INFINITY },
        { maxBodyBytes: 50 },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidItem);
      const problems = (error as InvalidItem).problems;
      expect(problems.map((p) => p.id)).toEqual(["", "big", "n"]);
      expect(problems[1]!.reason).toMatch(/102 bytes as JSON, more than the limit of 50/);
      expect(problems[2]!.reason).toMatch(/Infinity/);
      expect((error as Error).message).toContain('"big"');
    }
  });

  it("returns the serialized body so backends do not stringify twice", () => {
    expect(validatePutBatch({ a: { b: [1] } })).toEqual([{ id: "a", body: { b: [1] }, json: '{"b":[1]}' }]);
  });

  it("bounds n", () => {
    expect(() => assertCount(10_001)).toThrow(InvalidArgument);
    expect(() => assertCount(-1)).toThrow("n: must be 0 or more, got -1");
    expect(() => assertCount(0)).not.toThrow();
  });
});

describe("DummyWorker", () => {
  it("holds jobs until they are marked, and forgets deleted ones", async () => {
    const worker = new DummyWorker();
    await worker.sendJob("a", { x: 1 });
    await worker.sendJob("b", null);
    worker.markSuccess("a");
    worker.markFail("b");
    expect(await worker.pollAllStatus()).toEqual(
      new Map([
        ["a", 2],
        ["b", 3],
      ]),
    );
    await worker.deleteJob("a");
    await worker.deleteJob("gone");
    expect([...(await worker.pollAllStatus()).keys()]).toEqual(["b"]);
    expect(worker.deleted).toEqual(["a"]);
  });
});
