import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueItemStage } from "@task-queue/queue-core";
import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { expect, it } from "vitest";

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

// ./scripts becomes a temporary directory holding a train.py that echoes its arguments to stderr and exits 3, so
// the example's failure path (and the arguments it passed) show in what it logs.
it("the usage example runs a real python3 script to its end", async () => {
  const dir = await mkdtemp(join(tmpdir(), "readme-process-"));
  try {
    await mkdir(join(dir, "scripts"));
    await writeFile(
      join(dir, "scripts", "train.py"),
      'import sys\nprint("training with", " ".join(sys.argv[1:]), file=sys.stderr)\nsys.exit(3)\n',
    );
    const { logs } = await runExample(new URL("./readme/usage.ts", import.meta.url), [
      ['"./scripts"', JSON.stringify(join(dir, "scripts"))],
    ]);
    expect(logs).toEqual([[QueueItemStage.FAIL, "exit code 3; stderr:\ntraining with --epochs 3"]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
