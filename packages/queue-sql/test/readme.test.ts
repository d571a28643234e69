import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { expect, it } from "vitest";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "../src/testing/index.js";

const example = (name: string): URL => new URL(`./readme/${name}`, import.meta.url);

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

// PGlite keeps its data in a fresh temporary directory instead of ./data; the namespace runs on TEST_DATABASE_URL
// with a random table instead of the README's server and table.
it("the usage example runs on PGlite on disk and on PostgreSQL", async () => {
  const url = await testDatabaseUrl();
  const table = randomTableName();
  const dir = await mkdtemp(join(tmpdir(), "readme-pglite-"));
  try {
    const { logs } = await runExample(example("usage.ts"), [
      ["pglite://./data", `pglite://${dir}`],
      ["postgres://app:pw@db/app", url],
      ['"task_queue_items"', `"${table}"`],
    ]);
    expect(logs).toEqual([[["emails"]]]);
  } finally {
    await dropQueueTable(url, table);
    await rm(dir, { recursive: true, force: true });
  }
});

it("the transaction example commits the move and the row together", async () => {
  const { logs } = await runExample(example("transaction.ts"));
  expect(logs).toEqual([["SUCCESS"], [[{ note: "job-1 done" }]]]);
});
