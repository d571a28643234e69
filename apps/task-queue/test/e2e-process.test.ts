import { resolve } from "node:path";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, describe, it } from "vitest";
import { REPO_ROOT } from "./support/cli-process.js";
import { type Outcome, type RunningSystem, runFlow, startSystem, stopSystem } from "./support/system.js";

const PROCESSING_LIMIT = 4;

/** Item i runs an example script that succeeds or fails by its arguments. */
function itemFor(i: number): { body: { file_name: string; args: string[] }; expected: Outcome } {
  if (i % 10 === 9) return { body: { file_name: "hello.sh", args: ["--fail"] }, expected: "FAIL" };
  if (i % 10 === 4) return { body: { file_name: "hello.sh", args: [`item ${i}`] }, expected: "SUCCESS" };
  const fail = i % 5 === 2;
  return {
    body: { file_name: "work.mjs", args: ["0.05", fail ? "fail" : "succeed"] },
    expected: fail ? "FAIL" : "SUCCESS",
  };
}

const plan = new Map(Array.from({ length: 50 }, (_, i) => [`e2e-${String(i).padStart(2, "0")}`, itemFor(i)]));

// Each case starts its own server and controller on a table of its own, so any one of them runs alone (vitest -t).
describe("task-queue server + controller (process worker) on PostgreSQL", () => {
  const started: Array<{ table: string; system?: RunningSystem }> = [];

  async function start(): Promise<RunningSystem> {
    const entry: { table: string; system?: RunningSystem } = { table: randomTableName("tq_e2e") };
    started.push(entry);
    entry.system = await startSystem(entry.table, {
      WORKER_INTERFACE: "process",
      PATH_TO_SCRIPTS: resolve(REPO_ROOT, "examples/scripts"),
      PROCESSING_LIMIT: String(PROCESSING_LIMIT),
    });
    return entry.system;
  }

  afterAll(async () => {
    const url = await testDatabaseUrl();
    for (const { table, system } of started) {
      await system?.controller.stop("SIGKILL");
      await system?.server.stop("SIGKILL");
      await dropQueueTable(url, table);
    }
  });

  it("runs 50 items to SUCCESS or FAIL by their scripts, never over the processing limit", async () => {
    await runFlow(await start(), {
      items: Object.fromEntries([...plan].map(([id, item]) => [id, item.body])),
      expected: (id) => plan.get(id)!.expected,
      processingLimit: PROCESSING_LIMIT,
    });
  }, 180_000);

  it("stops both on SIGTERM with exit code 0", async () => {
    await stopSystem(await start());
  });
});
