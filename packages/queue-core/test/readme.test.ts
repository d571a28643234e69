import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { readmeBlocks, readmeExampleMismatches, runExample } from "../src/testing/index.js";

// conformance.test.ts, the README's conformance example, is a test file of its own: vitest runs it as it stands.

it("this README's and the root README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
  expect(await readmeExampleMismatches(new URL("../../../README.md", import.meta.url))).toEqual([]);
});

it("the usage example runs and prints what its comments say", async () => {
  const { logs } = await runExample(new URL("./readme/usage.ts", import.meta.url));
  expect(logs).toEqual([["SUCCESS", 1], ["WAITING"]]);
});

it("readmeBlocks finds each ```ts block with its marker, and only those", () => {
  const markdown = [
    "# Title",
    "<!-- example: test/a.ts -->",
    "```ts",
    "const a = 1;",
    "",
    "```",
    "```sh",
    "echo no",
    "```",
    "```ts",
    "b();",
    "```",
  ].join("\n");
  expect(readmeBlocks(markdown)).toEqual([
    { line: 3, example: "test/a.ts", code: "const a = 1;\n\n" },
    { line: 10, example: undefined, code: "b();\n" },
  ]);
  expect(() => readmeBlocks("```ts\nopen();\n")).toThrow("the ```ts block at line 1 is never closed");
});

it("readmeExampleMismatches names a block that differs from its file by one byte, a missing file and a missing marker", async () => {
  const dir = await mkdtemp(join(tmpdir(), "readme-self-"));
  try {
    const readme = pathToFileURL(join(dir, "README.md"));
    await writeFile(
      readme,
      [
        "<!-- example: same.ts -->",
        "```ts",
        "same();",
        "```",
        "<!-- example: differs.ts -->",
        "```ts",
        "shown();",
        "```",
        "<!-- example: missing.ts -->",
        "```ts",
        "x();",
        "```",
        "```ts",
        "unmarked();",
        "```",
        "",
      ].join("\n"),
    );
    await writeFile(join(dir, "same.ts"), "same();\n");
    await writeFile(join(dir, "differs.ts"), "shown();\n\n"); // one trailing newline more
    expect(await readmeExampleMismatches(readme)).toEqual([
      `${readme.pathname}:6: differs from differs.ts`,
      `${readme.pathname}:10: missing.ts does not exist`,
      `${readme.pathname}:13: no <!-- example: <file> --> marker before the block`,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("runExample replaces text before running, returns the logs and exports, and refuses a replacement it cannot make", async () => {
  const dir = await mkdtemp(join(tmpdir(), "readme-run-"));
  try {
    const file = pathToFileURL(join(dir, "example.ts"));
    await writeFile(file, 'console.log("http://argo.example", 1);\nexport const answer = 42;\n');
    expect(await runExample(file, [["http://argo.example", "http://127.0.0.1:1"]])).toEqual({
      logs: [["http://127.0.0.1:1", 1]],
      exports: { answer: 42 },
    });
    await expect(runExample(file, [["absent", "x"]])).rejects.toThrow('does not contain "absent"');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
