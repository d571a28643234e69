import { describe, expect, it } from "vitest";
import {
  assertCount,
  bodyProblem,
  DEFAULT_MAX_BODY_DEPTH,
  InvalidArgument,
  InvalidItem,
  InvalidStage,
  itemIdProblem,
  MAX_BODY_DEPTH_CEILING,
  normalizePage,
  parseStage,
  QueueItemStage,
  stageName,
  storableJson,
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
      expect(problems[1]!.reason).toMatch(/at least 102 bytes as JSON, more than the limit of 50/);
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

describe("storable bodies", () => {
  const deep = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it("accept the depth limit and reject one level more, naming the path", () => {
    expect(bodyProblem(deep(DEFAULT_MAX_BODY_DEPTH))).toBeNull();
    const problem = bodyProblem({ a: deep(DEFAULT_MAX_BODY_DEPTH) });
    expect(problem?.path).toEqual(["a", ...new Array(DEFAULT_MAX_BODY_DEPTH - 1).fill(0)]);
    expect(problem?.reason).toMatch(/^body\.a\[0\].*more levels.*deeper than the limit of 256 levels$/);
    expect(bodyProblem(deep(11), { maxDepth: 10 })?.reason).toMatch(/limit of 10 levels/);
    expect(() => bodyProblem(1, { maxDepth: MAX_BODY_DEPTH_CEILING + 1 })).toThrow(InvalidArgument);
  });

  it("storableJson's one-stringify fast path accepts and rejects exactly what the walk does", () => {
    const shared = { x: 1 };
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    class Point {
      x = 1;
    }
    const limits = { maxBodyBytes: 64, maxDepth: 4 };
    const bodies: unknown[] = [
      { a: "back\\u0000slash", b: "\\ud800 as text" },
      { a: "nul \0 inside" },
      { "key \0": 1 },
      ["lone \ud800"],
      { "pair \ud83d\ude00": "\udfff" },
      "\ud83d\ude00 pair",
      { toJSON: () => 1 },
      // biome-ignore lint/suspicious/noSparseArray: a hole is what this checks
      [1, , 3],
      new Date(0),
      new Map(),
      new Point(),
      Object.create(null),
      { n: Number.NaN },
      { u: undefined },
      [[[[1]]]],
      [[[[[1]]]]],
      cyclic,
      [shared, shared],
      "x".repeat(62),
      "x".repeat(63),
      "é".repeat(30),
      "é".repeat(31),
      "é".repeat(40),
      -0,
      null,
    ];
    for (const body of bodies) {
      const checked = storableJson(body, limits);
      const problem = bodyProblem(body, limits);
      if (problem === null && Buffer.byteLength(JSON.stringify(body)) > limits.maxBodyBytes) {
        expect("problem" in checked && checked.problem.reason).toMatch(
          /bytes as JSON, more than the limit of 64$/,
        );
      } else if (problem === null) {
        expect(checked).toEqual({ json: JSON.stringify(body) });
      } else {
        expect("problem" in checked ? checked.problem.reason : checked.json).toBe(problem.reason);
      }
    }
  });

  it("walk 100,000 levels without recursion, and stop at the limit", () => {
    expect(bodyProblem(deep(100_000))?.reason).toMatch(/deeper than the limit/);
  });

  it("reject lone surrogates and NUL in values and keys, accepting surrogate pairs", () => {
    expect(bodyProblem({ "𝄞": "🎉", "\\u0000 as text": "\\u0000" })).toBeNull();
    expect(bodyProblem(["ok", "\ud800"])).toEqual({
      path: [1],
      reason: "body[1] holds a lone UTF-16 surrogate, which is not Unicode text",
    });
    expect(bodyProblem({ a: { "\udc00x": 1 } })?.path).toEqual(["a", "\udc00x"]);
    expect(bodyProblem({ a: "x\u0000" })?.reason).toMatch(/^body\.a holds \\u0000 \(NUL\)/);
    expect(bodyProblem({ "odd key": { "k\u0000": 0 } })?.reason).toMatch(
      /^the key of body\["odd key"\]\["k\\u0000"\] holds/,
    );
  });

  it("find cycles through the open containers only: a value seen twice but not enclosing is fine", () => {
    const shared = { s: 1 };
    expect(bodyProblem({ a: shared, b: [shared, shared] })).toBeNull();
    const cyclic: Record<string, unknown> = { list: [] };
    (cyclic.list as unknown[]).push({ back: cyclic });
    expect(bodyProblem(cyclic)).toEqual({
      path: ["list", 0, "back"],
      reason: "body.list[0].back is a cycle back to an enclosing value",
    });
  });

  it("reject an oversized body from a lower bound of its size, before walking the rest or stringifying", () => {
    const huge = { text: "x".repeat(2_000_000), rest: Array.from({ length: 1000 }, () => ({ deeper: [1] })) };
    expect(bodyProblem(huge)).toEqual({
      path: [],
      reason: "body is at least 2000012 bytes as JSON, more than the limit of 1048576",
    });
    // The bound never passes the real size: a body exactly at the limit is accepted.
    const exact = "y".repeat(1000 - 2);
    expect(bodyProblem(exact, { maxBodyBytes: 1000 })).toBeNull();
    expect(validatePutBatch({ e: exact }, { maxBodyBytes: 1000 })).toHaveLength(1);
    expect(bodyProblem([exact], { maxBodyBytes: 1000 })).not.toBeNull();
    const wide = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key${i}`, [i, "v", null, true]]));
    const exactSize = JSON.stringify(wide).length;
    expect(bodyProblem(wide, { maxBodyBytes: exactSize })).toBeNull();
  });

  it("a put batch names each bad item with the path inside its body", () => {
    try {
      validatePutBatch({ fine: [1], bad: { list: [1, "\ud800"] } });
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidItem).problems).toEqual([
        {
          id: "bad",
          path: ["list", 1],
          reason: "body.list[1] holds a lone UTF-16 surrogate, which is not Unicode text",
        },
      ]);
    }
  });

  it("a page cursor must be an id", () => {
    expect(normalizePage({ cursor: "abc", limit: 5 })).toEqual({ cursor: "abc", limit: 5, prefix: "" });
    expect(normalizePage({ cursor: "" })).toEqual({ cursor: null, limit: 1000, prefix: "" });
    expect(normalizePage({ prefix: "a/" })).toEqual({ cursor: null, limit: 1000, prefix: "a/" });
    expect(() => normalizePage({ prefix: 3 as unknown as string })).toThrow(/prefix: must be a string/);
    expect(() => normalizePage({ cursor: "\u0000" })).toThrow(/cursor: not a cursor this queue gave/);
  });
});
