import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { readmeExample } from "./readme-example.js";

const between = (text: string, start: string, end: string): string =>
  text.slice(text.indexOf(start) + start.length, text.indexOf(end));

it("the README example runs and tells a whole life, with the retry's reason and the delete", async () => {
  const history = await readmeExample();
  expect(
    history.map((entry) => [`${entry.from ?? "-"}→${entry.to}`, entry.action ?? "", entry.reason ?? ""]),
  ).toEqual([
    ["-→WAITING", "", ""],
    ["WAITING→PROCESSING", "", ""],
    ["PROCESSING→WAITING", "RETRY", "out of memory"],
    ["WAITING→PROCESSING", "", ""],
    ["PROCESSING→SUCCESS", "", ""],
    ["SUCCESS→SUCCESS", "DELETE", ""],
  ]);
});

it("the README shows the example exactly as it is tested", async () => {
  const source = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const example = between(source, "// README example start\n", "  // README example end")
    .split("\n")
    .map((line) => line.replace(/^ {2}/, ""))
    .join("\n")
    .trim();
  expect(readme).toContain(example);
});
