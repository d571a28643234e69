import type { HistoryEntry } from "@task-queue/queue-core";
import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { dropQueueTable, dropTables, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { expect, it } from "vitest";

const example = (name: string): URL => new URL(`./readme/${name}`, import.meta.url);

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

it("the usage example runs on PGlite and tells a whole life, with the retry's reason and the delete", async () => {
  const [[history]] = (await runExample(example("usage.ts"))).logs as [[HistoryEntry[]]];
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

// The PostgreSQL examples run on TEST_DATABASE_URL with random table names in place of the README's.
it("the root README's library example runs on PostgreSQL", async () => {
  const url = await testDatabaseUrl();
  const items = randomTableName();
  const events = randomTableName();
  try {
    const [[sizes, history]] = (
      await runExample(example("root.ts"), [
        ['"postgres://app@db/app"', `"${url}", tableName: "${items}"`],
        ['"images_events"', `"${events}"`],
      ])
    ).logs as [[unknown, HistoryEntry[]]];
    expect(sizes).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 2, FAIL: 0 });
    expect(history.map((entry) => entry.to)).toEqual(["WAITING", "PROCESSING", "SUCCESS"]);
  } finally {
    await dropQueueTable(url, items);
    await dropTables(url, events);
  }
});

it("the namespace example runs on PostgreSQL", async () => {
  const url = await testDatabaseUrl();
  const items = randomTableName();
  const events = randomTableName();
  try {
    const [[history]] = (
      await runExample(example("namespace.ts"), [
        ['"postgres://app@db/app"', `"${url}"`],
        ['"task_queue_items"', `"${items}"`],
        ['"task_queue_events"', `"${events}"`],
      ])
    ).logs as [[HistoryEntry[]]];
    expect(history.map((entry) => [entry.kind, entry.to])).toEqual([["ADD", "WAITING"]]);
  } finally {
    await dropQueueTable(url, items);
    await dropTables(url, events);
  }
});
