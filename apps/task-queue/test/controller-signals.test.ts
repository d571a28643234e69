import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, startCli } from "./support/cli-process.js";

// An in-memory queue: these tests are about the process, not the storage.
const env = {
  QUEUE_IMPLEMENTATION: "in-memory",
  WORKER_INTERFACE: "process",
  PATH_TO_SCRIPTS: resolve(REPO_ROOT, "examples/scripts"),
  PERIODIC_SECONDS: "0.1",
};

describe("task-queue controller signals", () => {
  it("pauses releasing on SIGUSR2, resumes on SIGCONT, and stops on SIGINT with exit code 0", async () => {
    const controller = startCli(["controller"], env);
    await controller.waitForLog((log) => log.msg === "tick" && log.paused === false);
    controller.child.kill("SIGUSR2");
    await controller.waitForLog((log) => log.msg === "tick" && log.paused === true);
    controller.child.kill("SIGCONT");
    const resumed = controller.lines.length;
    await controller.waitForLog(
      (log) => log.msg === "tick" && log.paused === false && controller.lines.length > resumed,
    );
    expect(await controller.stop("SIGINT")).toBe(0);
    expect(controller.lines.some((line) => line.includes('"controller stopped"'))).toBe(true);
  });

  it("stops gracefully on SIGQUIT like SIGTERM: after the current tick, exit code 0", async () => {
    const controller = startCli(["controller"], env);
    await controller.waitForLog((log) => log.msg === "tick");
    expect(await controller.stop("SIGQUIT")).toBe(0);
    expect(controller.lines.some((line) => line.includes('"signal":"SIGQUIT"'))).toBe(true);
    expect(controller.lines.some((line) => line.includes('"controller stopped"'))).toBe(true);
  });

  it("a server stops gracefully on SIGQUIT too, with exit code 0", async () => {
    const server = startCli(["server", "--port", "0"], { QUEUE_IMPLEMENTATION: "in-memory" });
    await server.waitForLog((log) => log.msg === "API server listening");
    expect(await server.stop("SIGQUIT")).toBe(0);
    expect(server.lines.some((line) => line.includes('"signal":"SIGQUIT"'))).toBe(true);
  });

  it("runs a single tick with --once and exits 0", async () => {
    const run = await runCli(["controller", "--once"], env);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").filter((line) => line.includes('"msg":"tick"'))).toHaveLength(1);
  });

  it("applies RETENTION_EVENTS_SECONDS with history on, and says it is ignored without", async () => {
    const withHistory = await runCli(["controller", "--once"], {
      ...env,
      WITH_QUEUE_EVENTS: "true",
      EVENT_STORE_IMPLEMENTATION: "in-memory",
      RETENTION_EVENTS_SECONDS: "60",
    });
    expect(withHistory.code).toBe(0);
    const tick = withHistory.stdout.split("\n").find((line) => line.includes('"msg":"tick"'));
    expect(JSON.parse(tick ?? "{}")).toMatchObject({ trimmedEvents: 0, purged: 0 });
    expect(withHistory.stdout).not.toContain("records no history");

    const without = await runCli(["controller", "--once"], { ...env, RETENTION_EVENTS_SECONDS: "60" });
    expect(without.code).toBe(0);
    expect(without.stdout).toContain("RETENTION_EVENTS_SECONDS is set but this queue records no history");
  });
});
