import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { type BenchResults, README_END, README_START, renderTable } from "../bench/results.js";

const read = async (path: string) => readFile(new URL(path, import.meta.url), "utf8");

/** A markdown table's cells, as a formatter may pad them (biome aligns the columns of README tables). */
function cells(markdown: string): string[][] {
  return markdown
    .trim()
    .split("\n")
    .map((line) =>
      line.startsWith("|")
        ? line
            .slice(1, -1)
            .split("|")
            .map((cell) => cell.trim().replace(/^-+$/, "---"))
        : [line.trim()],
    );
}

describe("the README's benchmark table", () => {
  it("is the table rendered from the committed bench/results.json (pnpm bench, then pnpm bench:readme)", async () => {
    const results = JSON.parse(await read("../bench/results.json")) as BenchResults;
    const readme = await read("../README.md");
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    expect(cells(readme.slice(start + README_START.length, end))).toEqual(cells(renderTable(results)));
  });

  it("holds figures whose ratios follow from their values (a time's ratio is baseline / ours)", async () => {
    const results = JSON.parse(await read("../bench/results.json")) as BenchResults;
    expect(results.figures.length).toBeGreaterThan(10);
    for (const figure of results.figures) {
      const higherIsBetter = figure.unit === "items/s";
      const expected = higherIsBetter
        ? figure.ours / figure.baselineValue
        : figure.baselineValue / figure.ours;
      expect(figure.ratio, figure.case).toBeCloseTo(expected, 6);
    }
  });
});
