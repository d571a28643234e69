import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient } from "@task-queue/api-client";
import { type JsonValue, type StageSizes, stageName } from "@task-queue/queue-core";
import { testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { expect } from "vitest";
import { type CliProcess, eventually, runCli, startCli } from "./cli-process.js";

export interface RunningSystem {
  server: CliProcess;
  controller: CliProcess;
  url: string;
  client: ApiClient;
}

/** `task-queue server` on a free loopback port and `task-queue controller`, both on one SQL table. */
export async function startSystem(
  table: string,
  controllerEnv: Record<string, string>,
  program: { main?: string; cwd?: string; serverEnv?: Record<string, string> } = {},
): Promise<RunningSystem> {
  const env = {
    QUEUE_IMPLEMENTATION: "sql-json",
    SQL_QUEUE_CONNECTION_STRING: await testDatabaseUrl(),
    SQL_QUEUE_TABLE: table,
    SQL_QUEUE_NAME: `q-${table.slice(-6)}`,
  };
  const server = startCli(
    ["server", "--port", "0"],
    { ...env, ...program.serverEnv },
    program.cwd,
    program.main,
  );
  const listening = await server.waitForLog((log) => log.msg === "API server listening");
  const url = String(listening.url);
  const controller = startCli(
    ["controller"],
    { ...env, PERIODIC_SECONDS: "0.2", ...controllerEnv },
    program.cwd,
    program.main,
  );
  await controller.waitForLog((log) => log.msg === "tick");
  return { server, controller, url, client: new ApiClient({ baseUrl: url }) };
}

/** Puts items with the `put` command, as a user would. */
export async function putWithCli(url: string, items: Record<string, JsonValue>): Promise<unknown> {
  const file = join(mkdtempSync(join(tmpdir(), "tq-items-")), "items.json");
  writeFileSync(file, JSON.stringify(items));
  const put = await runCli(["put", file, "--url", url, "--output", "json"], {});
  if (put.code !== 0) throw new Error(`put failed (${put.code}): ${put.stderr}`);
  return JSON.parse(put.stdout);
}

/**
 * Polls the sizes until every item is in SUCCESS or FAIL, calling `between` on each round (e.g. to move Argo
 * workflows on); returns the final sizes and the most items ever seen in PROCESSING.
 */
export async function untilAllFinished(
  client: ApiClient,
  total: number,
  between: () => Promise<void> = async () => {},
): Promise<{ sizes: StageSizes; maxProcessing: number }> {
  let maxProcessing = 0;
  const sizes = await eventually(async () => {
    await between();
    const now = await client.sizes();
    maxProcessing = Math.max(maxProcessing, now.PROCESSING);
    return now.SUCCESS + now.FAIL === total ? now : undefined;
  }, 50);
  return { sizes, maxProcessing };
}

/** The PROCESSING size of every tick line the controller logged. */
export function tickProcessingSizes(controller: CliProcess): number[] {
  return controller.lines
    .map((line) => JSON.parse(line) as { msg?: string; sizes?: StageSizes })
    .filter((log) => log.msg === "tick")
    .map((log) => log.sizes!.PROCESSING);
}

export type Outcome = "SUCCESS" | "FAIL";

export interface FlowOptions {
  items: Record<string, JsonValue>;
  expected: (id: string) => Outcome;
  processingLimit: number;
  /** Called on every polling round, e.g. to move Argo workflows on. */
  between?: () => Promise<void>;
}

/**
 * The end-to-end flow: put the items with the CLI, wait until every item is finished, and check that each is in
 * its expected stage and that PROCESSING never held more than the limit (polled by the test and logged by the
 * controller on every tick).
 */
export async function runFlow(system: RunningSystem, options: FlowOptions): Promise<void> {
  const ids = Object.keys(options.items);
  expect(await putWithCli(system.url, options.items)).toEqual({
    added: ids.length,
    skipped: 0,
    skippedIds: [],
  });
  const { sizes, maxProcessing } = await untilAllFinished(system.client, ids.length, options.between);
  expect(maxProcessing).toBeGreaterThan(0);
  expect(maxProcessing).toBeLessThanOrEqual(options.processingLimit);
  const fails = ids.filter((id) => options.expected(id) === "FAIL").length;
  expect(fails).toBeGreaterThan(0);
  expect(sizes).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: ids.length - fails, FAIL: fails });
  for (const id of ids)
    expect([id, stageName(await system.client.lookupStatus(id))]).toEqual([id, options.expected(id)]);
  const ticks = tickProcessingSizes(system.controller);
  expect(ticks.length).toBeGreaterThan(0);
  expect(Math.max(...ticks)).toBeLessThanOrEqual(options.processingLimit);
}

/** SIGTERM to both processes; both must exit 0. */
export async function stopSystem(system: RunningSystem): Promise<void> {
  const [controller, server] = await Promise.all([system.controller.stop(), system.server.stop()]);
  expect({ controller, server }).toEqual({ controller: 0, server: 0 });
  expect(system.controller.lines.some((line) => line.includes('"controller stopped"'))).toBe(true);
}
