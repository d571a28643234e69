import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "./support/cli-process.js";

const COMMANDS = [
  "server",
  "controller",
  "dev",
  "put",
  "get",
  "peek",
  "success",
  "fail",
  "extend",
  "cancel",
  "delete",
  "requeue",
  "sizes",
  "status",
  "item",
  "ids",
  "history",
  "config",
];

describe("task-queue command line", () => {
  it("has --help with examples for every command", async () => {
    const helps = await Promise.all(COMMANDS.map((command) => runCli([command, "--help"], {})));
    for (const [i, help] of helps.entries()) {
      expect([COMMANDS[i], help.code]).toEqual([COMMANDS[i], 0]);
      expect(help.stdout).toContain("Examples:");
      expect(help.stdout).toContain(`$ task-queue ${COMMANDS[i]}`);
    }
  });

  it("stops a bad configuration with exit code 2, naming each setting, without a stack trace", async () => {
    const run = await runCli(["controller"], {
      QUEUE_IMPLEMENTATION: "sql-json",
      worker_interface: "argo-workflows",
      PROCESSING_LIMIT: "-3",
      SQL_QUEUE_CONNECTION_STRING: "postgres://u:pw-not-shown@127.0.0.1:1/x",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("invalid configuration");
    expect(run.stderr).toContain("PROCESSING_LIMIT (--processing-limit): must be ≥ 0 (from environment)");
    expect(run.stderr).toMatch(/ENDPOINT \(--endpoint\): required/);
    expect(run.stderr).toMatch(/WORKER_INTERFACE_ID \(--worker-interface-id\): required/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).not.toContain("pw-not-shown");
  });

  it("exits 2 on an unknown command or option", async () => {
    expect((await runCli(["no-such-command"], {})).code).toBe(2);
    expect((await runCli(["sizes", "--no-such-option"], {})).code).toBe(2);
  });

  it("prints the effective configuration with secrets redacted", async () => {
    const run = await runCli(["config", "--output-not-a-thing"], {});
    expect(run.code).toBe(2);
    const shown = await runCli(["config", "--port", "9999"], {
      SQL_QUEUE_CONNECTION_STRING: "postgres://app:hunter2@db/queues",
      task_queue_token: "api-secret",
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("port: 9999");
    expect(shown.stdout).toContain("sql_queue_connection_string: postgres://app:***@db/queues");
    expect(shown.stdout).toContain('token: "***"');
    expect(shown.stdout).not.toContain("hunter2");
    expect(shown.stdout).not.toContain("api-secret");
  });

  it("prints the README configuration table", async () => {
    const run = await runCli(["config", "--markdown"], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| `SQL_QUEUE_CONNECTION_STRING` +\| `--sql-queue-connection-string` +\|/);
    expect(run.stdout).toMatch(/\| `TASK_QUEUE_URL` +\| `--url` +\| `http:\/\/127.0.0.1:8080` +\|/);
  });

  it("never prints the password of a TASK_QUEUE_URL; refuses it together with a token (exit 2)", async () => {
    const url = "http://robot:hunter2-secret@127.0.0.1:9";
    const unreachable = await runCli(["sizes"], { TASK_QUEUE_URL: url });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^task-queue: cannot reach the task-queue API at http:\/\/robot:\*\*\*@127.0.0.1:9/,
    );
    const both = await runCli(["sizes"], { TASK_QUEUE_URL: url, TASK_QUEUE_TOKEN: "t0ken" });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either a token or credentials/);
    for (const run of [unreachable, both])
      expect(`${run.stdout}${run.stderr}`).not.toContain("hunter2-secret");
  });

  it("reports an unreachable server in one line with exit code 1, saying where the URL comes from", async () => {
    const run = await runCli(["sizes", "--url", "http://127.0.0.1:9"], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^task-queue: cannot reach the task-queue API at http:\/\/127.0.0.1:9/);
    expect(run.stderr).toContain("Give its URL with --url or TASK_QUEUE_URL");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--timeout bounds the wait for a server that never answers: one try, and the message names that time", async () => {
    let requests = 0;
    const hung = createServer(() => {
      requests++;
    });
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const run = await runCli(["sizes", "--url", url, "--timeout", "0.5"], {});
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("no answer within 500 ms");
      expect(requests).toBe(1);
      const bad = await runCli(["sizes", "--url", url, "--timeout", "soon"], {});
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/TASK_QUEUE_TIMEOUT|--timeout/);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it("exits 2 when the server rejects a request as bad input (422), like other usage errors", async () => {
    const server = startCli(["server", "--port", "0"], { QUEUE_IMPLEMENTATION: "in-memory" });
    try {
      const url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
      const run = await runCli(["get", "100000", "--url", url], {});
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^task-queue: n_items: .*10000/);
      // The server answered it: the request reached it and was refused there.
      expect(server.lines.some((line) => line.includes('"status":422'))).toBe(true);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
