import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { openSqlQueue } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { expect, it } from "vitest";

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

const SIGNALS = ["SIGTERM", "SIGUSR2", "SIGCONT"] as const;

// The example runs on TEST_DATABASE_URL with a random table, ./scripts is a temporary directory with one script, and
// the period is 200 ms instead of 5 s. The test plays the app's signals with process.emit (the handlers the example
// installs run; no signal reaches the process), then removes those handlers.
it("the usage example leads, runs the queue's work with a real script and stops on SIGTERM", async () => {
  const url = await testDatabaseUrl();
  const table = randomTableName();
  const dir = await mkdtemp(join(tmpdir(), "readme-controller-"));
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const queue = await openSqlQueue({ connection: url, tableName: table, queueName: "default" });
  try {
    await mkdir(join(dir, "scripts"));
    await writeFile(join(dir, "scripts", "ok.sh"), "#!/bin/sh\nexit 0\n");
    await chmod(join(dir, "scripts", "ok.sh"), 0o755);
    await queue.put({ "job-1": { file_name: "ok.sh" }, "job-2": { file_name: "ok.sh" } });
    const running = runExample(new URL("./readme/usage.ts", import.meta.url), [
      ["postgres://app@db/app", url],
      ['"task_queue_items"', `"${table}"`],
      ['"./scripts"', JSON.stringify(join(dir, "scripts"))],
      ["periodMs: 5_000", "periodMs: 200"],
    ]);
    while ((await queue.sizes()).SUCCESS < 2) await sleep(100);
    process.emit("SIGTERM");
    await running;
    expect(await queue.sizes()).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 2, FAIL: 0 });
  } finally {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)?.includes(listener)) process.off(signal, listener);
      }
    }
    await queue.close();
    await dropQueueTable(url, table);
    await rm(dir, { recursive: true, force: true });
  }
});
