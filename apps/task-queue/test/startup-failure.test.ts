import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "./support/cli-process.js";

// PostgreSQL on purpose: its pool is what kept a failed start-up alive (an in-memory queue holds nothing open).
const table = randomTableName("startup");
const sqlEnv = {
  QUEUE_IMPLEMENTATION: "sql-json",
  SQL_QUEUE_CONNECTION_STRING: "",
  SQL_QUEUE_TABLE: table,
};
/** Printed when something still held the process open after the command had ended (a leak). */
const LINGERING = /still open/;

describe("a fatal start-up error ends the process", () => {
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    sqlEnv.SQL_QUEUE_CONNECTION_STRING = await testDatabaseUrl();
    taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    port = (taken.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((done) => taken.close(() => done()));
    await dropQueueTable(await testDatabaseUrl(), table);
  });

  it("server on a port in use: prints EADDRINUSE and exits 1, its pool closed", async () => {
    const run = await runCli(["server", "--port", String(port)], sqlEnv);
    expect(run.stderr).toMatch(/EADDRINUSE/);
    expect(run.stderr).not.toMatch(LINGERING);
    expect(run.code).toBe(1);
  });

  it("controller with a missing scripts folder: names it and exits 2", async () => {
    const missing = resolve(REPO_ROOT, "no-such-scripts-folder");
    const run = await runCli(["controller"], {
      ...sqlEnv,
      WORKER_INTERFACE: "process",
      PATH_TO_SCRIPTS: missing,
    });
    expect(run.stderr).toContain(missing);
    expect(run.stderr).not.toMatch(LINGERING);
    expect(run.code).toBe(2);
  });

  it("controller with credentials in the Argo endpoint: says so without the password and exits 2", async () => {
    const run = await runCli(["controller"], {
      ...sqlEnv,
      WORKER_INTERFACE: "argo-workflows",
      ENDPOINT: "https://admin:hunter2-secret@127.0.0.1:2746",
      WORKER_INTERFACE_ID: "template",
    });
    expect(run.stderr).toMatch(/credentials/);
    expect(`${run.stderr}\n${run.stdout}`).not.toContain("hunter2-secret");
    expect(run.stderr).not.toMatch(LINGERING);
    expect(run.code).toBe(2);
  });
});
