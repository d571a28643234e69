import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The built command: the tests run the real program, as a user would. */
export const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/main.js");
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

export interface CliProcess {
  child: ChildProcess;
  /** Every stdout line so far; JSON log lines parsed. */
  lines: string[];
  stderr: () => string;
  /** Resolves with the first log line (parsed JSON) matching, rejects when the process exits first. */
  waitForLog(predicate: (log: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function parse(line: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Starts `node dist/main.js <args>` (or another copy of the program, e.g. one installed from the tarball) with only
 * the given environment (plus PATH), logging JSON to a pipe.
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  cwd = REPO_ROOT,
  main = MAIN,
): CliProcess {
  const child = spawn(process.execPath, [main, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOGGER_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  let buffer = "";
  const waiters: Array<{
    predicate: (log: Record<string, unknown>) => boolean;
    resolve: (log: Record<string, unknown>) => void;
  }> = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      const log = parse(line);
      if (!log) continue;
      for (const waiter of [...waiters])
        if (waiter.predicate(log)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(log);
        }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLog(predicate) {
      const seen = lines.map(parse).find((log) => log !== null && predicate(log));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then((code) =>
          reject(
            new Error(
              `task-queue ${args[0]} exited (${code}) before the awaited log line:\n${stderr}\n${lines.join("\n")}`,
            ),
          ),
        );
      });
    },
    stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a command to its end; resolves with its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  cwd = REPO_ROOT,
  main = MAIN,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, env, cwd, main);
  const code = await cli.exited;
  return { code, stdout: cli.lines.join("\n"), stderr: cli.stderr() };
}

/** Polls until check returns a value (not undefined); the test's own timeout bounds the wait. */
export async function eventually<T>(check: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
