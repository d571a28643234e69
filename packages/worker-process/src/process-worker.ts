import { type ChildProcess, spawn } from "node:child_process";
import { constants, realpathSync } from "node:fs";
import { access, open } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import {
  InvalidArgument,
  InvalidItem,
  type ItemId,
  type JsonValue,
  type Logger,
  QueueItemStage,
  type QueueWorker,
  silentLogger,
} from "@task-queue/queue-core";
import { parseProcessBody } from "./body.js";
import {
  type Containment,
  type ContainmentOption,
  JobCgroup,
  jobCgroupParent,
  WRAPPER,
} from "./containment.js";
import { resolveScript } from "./script-path.js";

/** The placeholder a command template puts where the script's path goes. */
export const SCRIPT_PLACEHOLDER = "{script}";

/**
 * The program that runs a script by its extension, when the script is not an executable with a shebang line: the
 * Python task-queue ran every item as `python3 <file> <args…>`, so `.py` files keep running that way.
 */
export const DEFAULT_INTERPRETERS: Readonly<Record<string, readonly string[]>> = {
  ".py": ["python3"],
  ".sh": ["bash"],
  ".mjs": ["node"],
  ".js": ["node"],
};

export interface ProcessWorkerOptions {
  /** The folder scripts are taken from; an item can name nothing outside it. */
  scriptsDir: string;
  /**
   * How to run a script, e.g. ["python3", "{script}"]; the item's args follow. Without it the script is executed
   * directly (it needs the executable bit and a shebang line).
   */
  commandTemplate?: string[];
  /**
   * Without commandTemplate: extension (".py") → the program (and its first arguments) that runs a script which is
   * not an executable with a shebang line; `<program…> <script> <args…>`. Default DEFAULT_INTERPRETERS.
   */
  interpreters?: Readonly<Record<string, readonly string[]>>;
  /**
   * A job that writes anything to stderr ends as FAIL even with exit code 0, as the Python task-queue's process
   * worker did (default false).
   */
  failOnStderr?: boolean;
  /** Kill a job that runs longer (SIGTERM, then SIGKILL after killGraceMs); unset: no limit. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL (default 5000 ms). */
  killGraceMs?: number;
  /** The scripts' environment (default: this process's); QUEUE_ITEM_ID is always added. */
  env?: Record<string, string | undefined>;
  /**
   * How a job's processes are held together (default "auto": a cgroup per job where the machine allows it, else
   * the process group); "cgroup" throws when cgroups cannot be used. See README "Containment".
   */
  containment?: ContainmentOption;
  logger?: Logger;
}

interface Job {
  child: ChildProcess;
  cgroup: JobCgroup | undefined;
  stage: QueueItemStage;
  /** Set when a timeout or deleteJob stopped the job: it ends as FAIL whatever its exit code. */
  killed: boolean;
  /** Set when the job wrote to stderr (a FAIL with failOnStderr). */
  wroteStderr: boolean;
  exited: Promise<void>;
  /** Resolves when what the job left behind is killed and its cgroup removed (after exited). */
  released: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  /** How it ended, once it has: the exit code, or the signal that ended it, or why we stopped it. */
  ending?: string;
  /** The last lines of its stderr, for lastError. */
  stderrTail: string[];
}

/** How many of a job's last stderr lines lastError reports, and how long each may be. */
const STDERR_TAIL_LINES = 20;
const STDERR_LINE_CHARS = 300;

function positive(name: string, value: number | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgument(name, "must be a positive integer");
  return value;
}

/** Whether a script runs by itself: executable, starting with a shebang line. */
async function runsItself(script: string): Promise<boolean> {
  try {
    await access(script, constants.X_OK);
  } catch {
    return false;
  }
  const file = await open(script, "r");
  try {
    const start = Buffer.alloc(2);
    const { bytesRead } = await file.read(start, 0, 2, 0);
    return bytesRead === 2 && start.toString("latin1") === "#!";
  } finally {
    await file.close();
  }
}

/**
 * Runs each item as a local child process: exit 0 → SUCCESS, anything else (non-zero, killed, timed out) → FAIL.
 * No shell is involved: the script path and the args go to the OS as an argument vector.
 */
export class ProcessWorker implements QueueWorker {
  private readonly scriptsDir: string;
  private readonly commandTemplate: string[] | undefined;
  private readonly interpreters: Readonly<Record<string, readonly string[]>>;
  private readonly failOnStderr: boolean;
  private readonly timeoutMs: number | undefined;
  private readonly killGraceMs: number;
  private readonly env: Record<string, string | undefined>;
  private readonly logger: Logger;
  private readonly jobs = new Map<ItemId, Job>();
  private readonly cgroupParent: string | undefined;
  private jobCount = 0;
  /** What holds each job's processes together on this machine (see ProcessWorkerOptions.containment). */
  readonly containment: Containment;

  constructor(options: ProcessWorkerOptions) {
    try {
      this.scriptsDir = realpathSync(options.scriptsDir);
    } catch {
      throw new InvalidArgument(
        "scriptsDir",
        `${JSON.stringify(options.scriptsDir)} is not an existing folder`,
      );
    }
    const template = options.commandTemplate;
    if (template !== undefined) {
      if (template.length === 0 || template.some((part) => typeof part !== "string" || part === "")) {
        throw new InvalidArgument("commandTemplate", "must be a non-empty array of non-empty strings");
      }
      if (!template.some((part) => part.includes(SCRIPT_PLACEHOLDER))) {
        throw new InvalidArgument("commandTemplate", `must contain ${SCRIPT_PLACEHOLDER}`);
      }
    }
    this.commandTemplate = template;
    const interpreters = options.interpreters ?? DEFAULT_INTERPRETERS;
    for (const [extension, program] of Object.entries(interpreters)) {
      if (!/^\.[^./\\]+$/.test(extension))
        throw new InvalidArgument(
          "interpreters",
          `${JSON.stringify(extension)} is not an extension such as ".py"`,
        );
      if (program.length === 0 || program.some((part) => typeof part !== "string" || part === ""))
        throw new InvalidArgument(
          "interpreters",
          `${extension}: must be a non-empty array of non-empty strings`,
        );
    }
    this.interpreters = interpreters;
    this.failOnStderr = options.failOnStderr ?? false;
    this.timeoutMs = positive("timeoutMs", options.timeoutMs, undefined);
    this.killGraceMs = positive("killGraceMs", options.killGraceMs, 5_000) as number;
    this.env = options.env ?? process.env;
    this.logger = options.logger ?? silentLogger;
    const wanted = options.containment ?? "auto";
    if (!["auto", "cgroup", "process-group"].includes(wanted))
      throw new InvalidArgument("containment", 'must be "auto", "cgroup" or "process-group"');
    this.cgroupParent = wanted === "process-group" ? undefined : jobCgroupParent();
    if (wanted === "cgroup" && this.cgroupParent === undefined)
      throw new InvalidArgument(
        "containment",
        "no writable cgroup v2 hierarchy with cgroup.kill on this machine",
      );
    this.containment = this.cgroupParent === undefined ? "process-group" : "cgroup";
  }

  /**
   * The command for a script: the command template; else the script itself when it is executable with a shebang
   * line; else its extension's interpreter; else the script itself (which assertRunnable then rejects).
   */
  private async command(script: string, args: string[]): Promise<[string, string[]]> {
    if (this.commandTemplate) {
      const [program, ...rest] = this.commandTemplate.map((part) =>
        part.replaceAll(SCRIPT_PLACEHOLDER, script),
      );
      return [program as string, [...rest, ...args]];
    }
    const interpreter = this.interpreters[path.extname(script).toLowerCase()];
    if (interpreter === undefined || (await runsItself(script))) return [script, args];
    const [program, ...rest] = interpreter;
    return [program as string, [...rest, script, ...args]];
  }

  /**
   * Signals the job's whole process group and cgroup (the script and whatever it started, even what left the group),
   * then SIGKILL after the grace.
   */
  private kill(job: Job): void {
    const pid = job.child.pid;
    // Until "close" the job is not over even if the script itself exited: what it started may still hold its output,
    // and signalling the group (which outlives its leader) stops that too.
    if (pid === undefined || job.stage !== QueueItemStage.PROCESSING) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-pid, name);
      } catch {
        // Already gone.
      }
      job.cgroup?.signal(name);
    };
    signal("SIGTERM");
    const hard = setTimeout(() => {
      signal("SIGKILL");
      // A process that left the group (setsid) may still hold the pipes; stop waiting for them.
      job.child.stdout?.destroy();
      job.child.stderr?.destroy();
    }, this.killGraceMs);
    hard.unref();
    void job.exited.then(() => clearTimeout(hard));
  }

  private pipeLines(id: ItemId, job: Job, stream: "stdout" | "stderr"): void {
    const source = job.child[stream];
    if (!source) return;
    const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      if (stream === "stderr") {
        job.stderrTail.push(line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)}…` : line);
        if (job.stderrTail.length > STDERR_TAIL_LINES) job.stderrTail.shift();
      }
      const entry = { item_id: id, pid: job.child.pid, stream, line };
      if (stream === "stdout") this.logger.info(entry, "job output");
      else {
        job.wroteStderr = true;
        this.logger.warn(entry, "job output");
      }
    });
  }

  async sendJob(id: ItemId, body: JsonValue): Promise<void> {
    const { file_name: fileName, args } = parseProcessBody(id, body);
    const script = await resolveScript(id, this.scriptsDir, fileName);
    const previous = this.jobs.get(id);
    if (previous) await this.stop(previous);

    const [program, argv] = await this.command(script, args);
    await this.assertRunnable(id, fileName, program);
    this.jobCount += 1;
    const cgroup =
      this.cgroupParent === undefined ? undefined : new JobCgroup(this.cgroupParent, String(this.jobCount));
    // Through the wrapper (containment.ts): it joins the cgroup, leaves a watcher on fd 3 (our lifeline: it closes
    // when the job is over or this process dies), then execs the program in its place.
    const child = spawn("/bin/sh", ["-c", WRAPPER, "sh", cgroup?.dir ?? "", program, ...argv], {
      cwd: this.scriptsDir,
      env: { ...this.env, QUEUE_ITEM_ID: id },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      shell: false,
      // Its own process group, so a timeout or deleteJob also stops what the script started.
      detached: true,
    });
    const lifeline = child.stdio[3] as Writable | null;
    lifeline?.on("error", () => {});
    const job: Job = {
      child,
      cgroup,
      stage: QueueItemStage.PROCESSING,
      killed: false,
      wroteStderr: false,
      exited: Promise.resolve(),
      released: Promise.resolve(),
      timer: undefined,
      stderrTail: [],
    };
    // The job is over when the script has exited and nothing holds its output any more (not at "close", which also
    // waits for the lifeline that only closes after this).
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once("exit", (code, signal) => resolve([code, signal])),
    );
    const outputClosed = [child.stdout, child.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => (stream ? stream.once("close", () => resolve()) : resolve())),
    );
    job.exited = Promise.all([exit, ...outputClosed]).then(([[code, signal]]) => {
      if (job.timer) clearTimeout(job.timer);
      // Only now, with the script and everything holding its output gone, does the job leave PROCESSING:
      // a controller that sees FAIL and starts the item again must not find the old run still going.
      const failedByStderr = this.failOnStderr && job.wroteStderr;
      job.stage = code === 0 && !job.killed && !failedByStderr ? QueueItemStage.SUCCESS : QueueItemStage.FAIL;
      job.ending ??=
        code === 0 && failedByStderr
          ? "wrote to stderr (failOnStderr)"
          : code !== null
            ? `exit code ${code}`
            : `killed by ${signal}`;
      this.logger.info(
        { item_id: id, pid: child.pid, code, signal, ...(failedByStderr ? { failedBy: "stderr" } : {}) },
        failedByStderr ? "job finished; it wrote to stderr, so it failed (failOnStderr)" : "job finished",
      );
    });
    job.released = job.exited.then(() => this.release(id, job, lifeline));
    this.pipeLines(id, job, "stdout");
    this.pipeLines(id, job, "stderr");
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error) => {
        void cgroup?.remove().catch(() => {});
        reject(
          new InvalidItem([{ id, reason: `cannot start ${JSON.stringify(fileName)}: ${error.message}` }]),
        );
      });
    });
    if (this.timeoutMs !== undefined) {
      job.timer = setTimeout(() => {
        this.logger.warn(
          { item_id: id, pid: child.pid, timeoutMs: this.timeoutMs },
          "job timed out; killing it",
        );
        job.killed = true;
        job.ending = `timed out after ${this.timeoutMs} ms`;
        this.kill(job);
      }, this.timeoutMs);
    }
    this.jobs.set(id, job);
    this.logger.info({ item_id: id, pid: child.pid, script: fileName }, "job started");
  }

  /**
   * What spawn would have told us: the wrapper always starts, so a script that cannot be run is checked for here
   * (the same InvalidItem as before the wrapper; a failure the check misses ends the job as FAIL, exit 126/127).
   */
  private async assertRunnable(id: ItemId, fileName: string, program: string): Promise<void> {
    const candidates = program.includes("/")
      ? [path.resolve(this.scriptsDir, program)]
      : (this.env.PATH ?? "")
          .split(path.delimiter)
          .map((folder) => path.resolve(this.scriptsDir, folder || ".", program));
    for (const candidate of candidates) {
      try {
        await access(candidate, constants.X_OK);
        return;
      } catch {
        // Next one.
      }
    }
    const reason = this.commandTemplate
      ? `${JSON.stringify(program)} is not an executable program (on PATH)`
      : "not executable (a script run directly needs the executable bit and a shebang; or an extension with an interpreter, or commandTemplate)";
    throw new InvalidItem([{ id, reason: `cannot start ${JSON.stringify(fileName)}: ${reason}` }]);
  }

  /** After the job's end: closes its lifeline (the wrapper's watcher then kills anything left) and its cgroup. */
  private async release(id: ItemId, job: Job, lifeline: Writable | null): Promise<void> {
    lifeline?.destroy();
    try {
      await job.cgroup?.remove();
    } catch (error) {
      this.logger.warn({ item_id: id, err: error }, "could not remove the job's cgroup");
    }
  }

  async pollAllStatus(): Promise<Map<ItemId, QueueItemStage>> {
    return new Map([...this.jobs].map(([id, job]) => [id, job.stage]));
  }

  /** A failed job's ending (exit code, signal, or timeout) and the last lines of its stderr. */
  lastError(id: ItemId): string | undefined {
    const job = this.jobs.get(id);
    if (job?.stage !== QueueItemStage.FAIL || job.ending === undefined) return undefined;
    return job.stderrTail.length === 0 ? job.ending : `${job.ending}; stderr:\n${job.stderrTail.join("\n")}`;
  }

  private async stop(job: Job): Promise<void> {
    if (job.timer) clearTimeout(job.timer);
    job.killed = true;
    this.kill(job);
    await job.exited;
    await job.released;
  }

  /** Kills the job if it still runs, waits for it to end, and forgets it. */
  async deleteJob(id: ItemId): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    await this.stop(job);
  }

  /** Kills every running job and waits for them to end. */
  async close(): Promise<void> {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    await Promise.all(jobs.map((job) => this.stop(job)));
  }
}
