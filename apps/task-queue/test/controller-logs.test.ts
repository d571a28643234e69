import { resolve } from "node:path";
import { Writable } from "node:stream";
import { InMemoryLeaderElection, InMemoryQueueNamespace } from "@task-queue/queue-core";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { controllerQueueMetrics, createServiceLoop, queueLogger } from "../src/wiring/controller.js";
import { createWorker } from "../src/wiring/worker.js";
import { eventually, REPO_ROOT } from "./support/cli-process.js";

type Line = Record<string, unknown> & { level: number; msg: string };
const INFO = 30;
const WARN = 40;
const DEBUG = 20;

/** The controller as `task-queue controller` wires it, logging JSON through pino into a captured stream. */
function wiredController() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  const { settings } = loadConfig({
    groups: ["queue", "worker", "controller"],
    flags: {},
    env: {
      QUEUE_IMPLEMENTATION: "in-memory",
      SQL_QUEUE_NAME: "jobs",
      WORKER_INTERFACE: "process",
      PATH_TO_SCRIPTS: resolve(REPO_ROOT, "examples/scripts"),
      PERIODIC_SECONDS: "0.05",
    },
  });
  const logger = queueLogger(pino({ level: "debug" }, stream), settings);
  const namespace = new InMemoryQueueNamespace();
  const queue = namespace.queue("jobs");
  const worker = createWorker(settings, logger);
  const election = new InMemoryLeaderElection(namespace);
  const loop = createServiceLoop(
    queue,
    worker,
    election,
    settings,
    logger,
    controllerQueueMetrics(queue, settings),
  );
  return { lines, queue, worker, loop };
}

describe("the controller's log lines (pino, captured)", () => {
  const { lines, queue, worker, loop } = wiredController();
  const running = loop.run();

  afterAll(async () => {
    await loop.stop();
    await running;
    await worker.close?.();
  });

  it("logs an idle tick at debug, after one info heartbeat", async () => {
    await eventually(async () => (loop.ticks >= 4 ? true : undefined), 20);
    const ticks = lines.filter((l) => l.msg === "tick");
    expect(ticks[0]).toMatchObject({ level: INFO, heartbeat: true, queue: "jobs", released: 0 });
    expect(ticks.slice(1).length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks.slice(1)) expect(tick.level).toBe(DEBUG);
  });

  it("logs a tick that moved something at info, and a failed job at warn with its reason", async () => {
    await queue.putJobs([
      { id: "good", body: { file_name: "work.mjs", args: ["0.01", "succeed"] } },
      { id: "bad", body: { file_name: "work.mjs", args: ["0.01", "fail"] } },
    ]);
    await eventually(async () => {
      const sizes = await queue.sizes();
      return sizes.SUCCESS + sizes.FAIL === 2 ? true : undefined;
    }, 20);
    const ticks = lines.filter((l) => l.msg === "tick");
    const moving = ticks.filter((t) => Number(t.released) + Number(t.succeeded) + Number(t.failed) > 0);
    expect(moving.length).toBeGreaterThan(0);
    for (const tick of moving) expect(tick.level).toBe(INFO);
    const failed = await eventually(async () => lines.find((l) => l.msg === "job failed; moved to FAIL"));
    expect(failed).toMatchObject({ level: WARN, queue: "jobs", item_id: "bad", outcome: "FAIL" });
    expect(String(failed.reason)).toContain("exit code 1");
  });

  it("gives every line about an item its queue and item_id", () => {
    const aboutItems = lines.filter((l) => "item_id" in l || "itemId" in l);
    const messages = new Set(aboutItems.map((l) => l.msg));
    expect(messages).toContain("job started");
    expect(messages).toContain("job finished");
    for (const line of aboutItems) {
      expect(line.queue, line.msg).toBe("jobs");
      expect(typeof line.item_id, line.msg).toBe("string");
    }
    expect(aboutItems.map((l) => l.item_id)).toEqual(expect.arrayContaining(["good", "bad"]));
  });
});
