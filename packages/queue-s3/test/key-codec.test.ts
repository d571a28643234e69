import { itemIdProblem, MAX_ID_BYTES } from "@task-queue/queue-core";
import { describe, expect, it } from "vitest";
import { decodeId, encodeId } from "../src/index.js";
import { QueueLayout } from "../src/layout.js";
import { oddIds } from "./support/odd-ids.js";

const layout = new QueueLayout("base/prefix");

describe("id ↔ key encoding", () => {
  it("round-trips thousands of generated odd ids exactly, and every key stays inside its stage prefix", () => {
    const ids = oddIds(3000, 20240601);
    expect(new Set(ids).size).toBeGreaterThan(2500);
    for (const id of ids) {
      expect(itemIdProblem(id)).toBeNull();
      const suffix = encodeId(id);
      expect(decodeId(suffix)).toBe(id);
      const key = layout.key("PROCESSING", id);
      expect(layout.idOf("PROCESSING", key)).toBe(id);
      expect(Buffer.byteLength(key, "utf8")).toBeLessThanOrEqual(layout.maxKeyBytes());
      // No segment a filesystem-backed store would resolve, and none longer than a file name may be.
      for (const segment of suffix.split("/")) {
        expect(segment).not.toMatch(/^\.{0,2}$/);
        expect(Buffer.byteLength(segment, "utf8")).toBeLessThanOrEqual(200 + ".json".length);
      }
    }
  });

  it("keeps plain ids readable, so objects of the system we replace keep their names", () => {
    expect(encodeId("job-001")).toBe("job-001.json");
    expect(encodeId("file.v2_final")).toBe("file.v2_final.json");
    expect(encodeId("日本語")).toBe("日本語.json");
    expect(decodeId("job-001.json")).toBe("job-001");
  });

  it("escapes what could make a path: slashes, dots alone, percent signs", () => {
    expect(encodeId("../escape")).toBe("..%2Fescape.json");
    expect(encodeId("a/b")).toBe("a%2Fb.json");
    expect(encodeId("percent%2Fslash")).toBe("percent%252Fslash.json");
    expect(encodeId("..")).toBe("...json");
    expect(decodeId("...json")).toBe("..");
  });

  it("fits the worst case (512 bytes that all need escaping) in a compact form within S3's key limit", () => {
    for (const id of [
      "/".repeat(MAX_ID_BYTES),
      " ".repeat(MAX_ID_BYTES),
      "%".repeat(MAX_ID_BYTES),
      "é".repeat(256),
    ]) {
      const key = layout.key("PROCESSING", id);
      expect(Buffer.byteLength(key, "utf8")).toBeLessThanOrEqual(1024);
      expect(layout.idOf("PROCESSING", key)).toBe(id);
    }
    expect(encodeId("/".repeat(MAX_ID_BYTES)).startsWith("~")).toBe(true);
  });

  it("ignores keys it would not have written: foreign objects, non-canonical escapes, other stages", () => {
    expect(decodeId("notes.txt")).toBeNull();
    expect(decodeId("a%2fb.json")).toBeNull(); // lower-case escape: not the canonical key of "a/b"
    expect(decodeId("with space.json")).toBeNull();
    expect(decodeId("bad%ZZ.json")).toBeNull();
    expect(decodeId(".json")).toBeNull();
    expect(layout.idOf("WAITING", layout.key("FAIL", "x"))).toBeNull();
  });
});
