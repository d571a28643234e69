import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { NewJob } from "@task-queue/queue-core";
import { dropQueueTable, randomTableName } from "@task-queue/queue-sql/testing";
import postgres from "postgres";
import { ApiClient } from "../src/index.js";

/**
 * The fault harness of issue 11: an API server process over PostgreSQL, consumer processes over HTTP taking batches
 * under a lease and completing them with their attempt numbers, and one consumer killed with SIGKILL (and replaced)
 * every interval until every item is SUCCESS. Every process it starts is tracked, so `stopAll` (afterAll) ends them
 * whatever happened.
 */

const serverScript = fileURLToPath(new URL("./fixtures/queue-server.mjs", import.meta.url));
const consumerScript = fileURLToPath(new URL("./fixtures/lease-consumer.mjs", import.meta.url));

const started = new Set<ChildProcess>();

/** Kills every process the harness started that is still running (for afterAll, after a failure). */
export async function stopAll(): Promise<void> {
  const running = [...started].filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(running.map((child) => once(child, "exit").catch(() => {})));
  started.clear();
}

function track(child: ChildProcess, stderr: string[]): ChildProcess {
  started.add(child);
  child.stderr?.setEncoding("utf8").on("data", (text: string) => stderr.push(text));
  child.once("exit", () => started.delete(child));
  return child;
}

export interface DrainSettings {
  /** The PostgreSQL the server process uses (its table is created by migrate and dropped after). */
  databaseUrl: string;
  items: number;
  consumers: number;
  batch: number;
  leaseSeconds: number;
  /** How long a get may wait on the server for work when nothing is available. */
  waitSeconds: number;
  killEveryMs: number;
  /** A consumer works up to this long on a batch; its second batch stalls for stallMs (past the lease). */
  workMaxMs: number;
  stallMs: number;
  /** Give up (the test fails) when the drain has not finished after this long. */
  deadlineMs: number;
  /** Called once, not awaited by the kill loop, when this many items are SUCCESS (e.g. restart the database). */
  fault?: { atSuccess: number; run: () => Promise<void> };
}

interface Consumer {
  serial: number;
  child: ChildProcess;
  logFile: string;
  stderr: string[];
  killed: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface DrainReport {
  durationMs: number;
  kills: number;
  consumersStarted: number;
  /** SUCCESS count when the fault ran, and how long it took. */
  faultAt: number | null;
  faultMs: number | null;
  /** Per stage, from the table itself. */
  stages: Record<string, number>;
  /** Items handed out more than once, and all the extra hand-outs. */
  reHandedItems: number;
  extraHandOuts: number;
  maxAttempts: number;
  /** successMany entries refused as LEASE_LOST (zombie attempts). */
  leaseLostSkips: number;
  /** Requests answered 503 (or unreachable) and retried by the consumers: getJobs, successMany. */
  unavailableRetries: { get: number; success: number };
  /** Items a consumer confirmed on a retry: the try whose answer was lost had moved them. */
  confirmedOnRetry: number;
  /** Ids the server confirmed as moved more than once (each entry: id and count). Must be empty. */
  confirmedTwice: Array<[string, number]>;
  /**
   * Ids confirmed to a consumer whose attempt is not the item's last hand-out: a stale attempt completed an item
   * someone else held (or an unknown id). Must be empty.
   */
  confirmedOnOtherAttempt: Array<{ id: string; confirmed: number; current: number | null }>;
  /** Skips other than LEASE_LOST (or SUCCESS on our own attempt after a lost answer). Must be empty. */
  unexpectedSkips: unknown[];
  /**
   * SUCCESS items no consumer logged as confirmed, that are not explained by a consumer killed between sending that
   * item's completion (on the attempt that completed it) and logging the answer. Must be empty.
   */
  unexplained: string[];
  /** Of the SUCCESS items without a logged confirmation: those explained as above. */
  answerLostWithKill: number;
  /** Consumers that exited on their own (a crash): serial, exit code, stderr. Must be empty. */
  crashed: Array<{ serial: number; code: number | null; stderr: string }>;
}

const QUEUE = "faults";

async function startServer(url: string, table: string): Promise<{ baseUrl: string; child: ChildProcess }> {
  const stderr: string[] = [];
  // Retries come back after 0–0.5 s, at most 2 s however often an item's lease expired.
  const lifecycle = JSON.stringify({ backoff: { baseSeconds: 0.5, maxSeconds: 2 } });
  const child = track(
    spawn(process.execPath, [serverScript, url, table, lifecycle], { stdio: ["ignore", "pipe", "pipe"] }),
    stderr,
  );
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, "line").then(([line]) => String(line)),
    once(child, "exit").then(() => null),
  ]);
  if (first === null) throw new Error(`the server process exited before listening: ${stderr.join("")}`);
  const { port } = JSON.parse(first) as { port: number };
  return { baseUrl: `http://127.0.0.1:${port}`, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) child.kill("SIGKILL");
  await exited;
}

interface LogTotals {
  /** Per id, the attempts on which the server confirmed it moved (one entry, unless the fencing failed). */
  confirmed: Map<string, number[]>;
  /** The completions sent last with no answer logged: [id, attempt]. */
  pending: Array<[string, number]>;
  leaseLost: number;
  unavailable: { get: number; success: number };
  earlier: number;
  other: unknown[];
}

type LogEntry =
  | { sent: Array<[string, number]> }
  | { moved: string[]; earlier: string[]; lost: string[]; other: unknown[] }
  | { unavailable: string };

async function readLog(file: string, totals: LogTotals): Promise<Array<[string, number]>> {
  const text = await readFile(file, "utf8").catch(() => "");
  const lines = text.split("\n").filter((line) => line !== "");
  let pending: Array<[string, number]> = [];
  for (const [index, line] of lines.entries()) {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch (error) {
      // Only the last line can be cut off, by the SIGKILL.
      if (index === lines.length - 1) break;
      throw error;
    }
    if ("sent" in entry) pending = entry.sent;
    else if ("moved" in entry) {
      const attempts = new Map(pending);
      for (const id of [...entry.moved, ...entry.earlier]) {
        totals.confirmed.set(id, [...(totals.confirmed.get(id) ?? []), attempts.get(id) ?? -1]);
      }
      totals.leaseLost += entry.lost.length;
      totals.earlier += entry.earlier.length;
      totals.other.push(...entry.other);
      pending = [];
    } else if (entry.unavailable === "get") totals.unavailable.get += 1;
    else totals.unavailable.success += 1;
  }
  return pending;
}

export async function runDrain(settings: DrainSettings): Promise<DrainReport> {
  const table = randomTableName("tq_faults");
  const logDir = await mkdtemp(join(tmpdir(), "tq-drain-"));
  const consumers: Consumer[] = [];
  let serverChild: ChildProcess | null = null;
  try {
    const server = await startServer(settings.databaseUrl, table);
    serverChild = server.child;
    const client = new ApiClient({ baseUrl: server.baseUrl }).queue(QUEUE);
    const jobs: NewJob[] = Array.from({ length: settings.items }, (_, i) => ({
      id: `item-${i}`,
      body: { n: i },
      // Enough attempts for any number of kills: no item may end in FAIL for want of attempts.
      maxAttempts: 100,
      // Handed out in put order all the same; but an item that comes back (a killed or stalled consumer's) outranks
      // every item not yet handed out, so it is handed out again right after its backoff, not behind the backlog:
      // a stalled consumer's late completion then meets the item held, or completed, by another attempt.
      priority: settings.items - i,
    }));
    for (let i = 0; i < jobs.length; i += 1000) {
      const { added } = await client.putJobs(jobs.slice(i, i + 1000));
      if (added.length !== Math.min(1000, jobs.length - i))
        throw new Error("put_jobs did not add every item");
    }

    let serial = 0;
    const startConsumer = () => {
      serial += 1;
      const logFile = join(logDir, `consumer-${serial}.jsonl`);
      const stderr: string[] = [];
      const args = [
        consumerScript,
        server.baseUrl,
        QUEUE,
        logFile,
        String(settings.batch),
        String(settings.leaseSeconds),
        String(settings.waitSeconds),
        String(settings.workMaxMs),
        String(settings.stallMs),
      ];
      const child = track(spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] }), stderr);
      const exit = once(child, "exit").then(([code, signal]) => ({
        code: code as number | null,
        signal: signal as NodeJS.Signals | null,
      }));
      consumers.push({ serial, child, logFile, stderr, killed: false, exit });
    };
    const live = () => consumers.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    const crashed = () =>
      consumers.filter((c) => !c.killed && (c.child.exitCode !== null || c.child.signalCode));

    const began = Date.now();
    for (let i = 0; i < settings.consumers; i++) startConsumer();
    let kills = 0;
    let fault: Promise<void> | null = null;
    let faultAt: number | null = null;
    let faultMs: number | null = null;
    for (;;) {
      await sleep(settings.killEveryMs);
      if (crashed().length > 0) break;
      let success: number | null = null;
      try {
        success = (await client.sizes()).SUCCESS;
      } catch {
        // The database is down (the fault): the kills go on.
      }
      if (success === settings.items) break;
      if (Date.now() - began > settings.deadlineMs) {
        throw new Error(`the drain did not finish in ${settings.deadlineMs} ms (SUCCESS: ${success})`);
      }
      if (settings.fault && fault === null && success !== null && success >= settings.fault.atSuccess) {
        faultAt = success;
        const faultBegan = Date.now();
        fault = settings.fault.run().then(() => {
          faultMs = Date.now() - faultBegan;
        });
        // A fault that fails ends the test; it is awaited below, this only keeps it from being unhandled.
        fault.catch(() => {});
      }
      const candidates = live();
      const victim = candidates[Math.floor(Math.random() * candidates.length)];
      if (victim) {
        victim.killed = true;
        victim.child.kill("SIGKILL");
        kills += 1;
      }
      startConsumer();
    }
    const durationMs = Date.now() - began;
    // The drain is over: the remaining consumers are stopped the same way (their last answers may go unlogged).
    for (const consumer of live()) {
      consumer.killed = true;
      consumer.child.kill("SIGKILL");
    }
    await Promise.all(consumers.map((c) => c.exit));
    if (fault !== null) await fault;

    const totals: LogTotals = {
      confirmed: new Map(),
      pending: [],
      leaseLost: 0,
      unavailable: { get: 0, success: 0 },
      earlier: 0,
      other: [],
    };
    for (const consumer of consumers) {
      const pending = await readLog(consumer.logFile, totals);
      if (consumer.killed) totals.pending.push(...pending);
    }

    const sql = postgres(settings.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<Array<{ item_id: string; stage: number; attempts: number }>>`
        SELECT item_id, stage, attempts FROM ${sql(table)} WHERE queue_name = ${QUEUE}`;
      const stageNames = ["WAITING", "PROCESSING", "SUCCESS", "FAIL"];
      const stages: Record<string, number> = {};
      for (const row of rows) {
        const name = stageNames[row.stage] ?? String(row.stage);
        stages[name] = (stages[name] ?? 0) + 1;
      }
      const attemptsOf = new Map(rows.map((row) => [row.item_id, row.attempts]));
      const pendingAttempts = new Map<string, Set<number>>();
      for (const [id, attempt] of totals.pending) {
        pendingAttempts.set(id, (pendingAttempts.get(id) ?? new Set()).add(attempt));
      }
      const unconfirmed = rows.filter((row) => !totals.confirmed.has(row.item_id)).map((row) => row.item_id);
      const unexplained = unconfirmed.filter((id) => !pendingAttempts.get(id)?.has(attemptsOf.get(id) ?? -1));
      return {
        durationMs,
        kills,
        consumersStarted: serial,
        faultAt,
        faultMs,
        stages,
        reHandedItems: rows.filter((row) => row.attempts > 1).length,
        extraHandOuts: rows.reduce((sum, row) => sum + Math.max(0, row.attempts - 1), 0),
        maxAttempts: rows.reduce((max, row) => Math.max(max, row.attempts), 0),
        leaseLostSkips: totals.leaseLost,
        unavailableRetries: totals.unavailable,
        confirmedOnRetry: totals.earlier,
        confirmedTwice: [...totals.confirmed]
          .filter(([, attempts]) => attempts.length > 1)
          .map(([id, attempts]) => [id, attempts.length]),
        confirmedOnOtherAttempt: [...totals.confirmed]
          .filter(([id, attempts]) => attempts.length === 1 && attempts[0] !== attemptsOf.get(id))
          .map(([id, [attempt]]) => ({ id, confirmed: attempt!, current: attemptsOf.get(id) ?? null })),
        unexpectedSkips: totals.other,
        unexplained,
        answerLostWithKill: unconfirmed.length - unexplained.length,
        crashed: crashed().map((c) => ({
          serial: c.serial,
          code: c.child.exitCode,
          stderr: c.stderr.join("").slice(-2000),
        })),
      };
    } finally {
      await sql.end({ timeout: 5 });
    }
  } finally {
    for (const consumer of consumers) consumer.child.kill("SIGKILL");
    if (serverChild !== null) await stopServer(serverChild);
    await rm(logDir, { recursive: true, force: true });
    await dropQueueTable(settings.databaseUrl, table);
  }
}

/** The figures, one line, for the test's console output and the report. */
export function describeDrain(label: string, report: DrainReport): string {
  const fault =
    report.faultAt === null ? "" : `, fault at ${report.faultAt} SUCCESS (took ${report.faultMs} ms)`;
  return (
    `${label}: ${report.stages.SUCCESS ?? 0} SUCCESS in ${(report.durationMs / 1000).toFixed(1)} s; ` +
    `${report.kills} consumers killed (${report.consumersStarted} started)${fault}; ` +
    `${report.reHandedItems} items re-handed (${report.extraHandOuts} extra hand-outs, max attempts ${report.maxAttempts}); ` +
    `${report.leaseLostSkips} LEASE_LOST skips; retries after 503: ${report.unavailableRetries.get} getJobs, ` +
    `${report.unavailableRetries.success} successMany; ` +
    `${report.confirmedOnRetry} confirmed on a retry; ${report.answerLostWithKill} answers lost with a kill`
  );
}
