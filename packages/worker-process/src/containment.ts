import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * How a job's processes are held together so that a kill reaches all of them:
 * - "cgroup": a cgroup v2 per job; every process the job starts stays in it, even one that leaves the process group
 *   with setsid, and `cgroup.kill` ends them all at once.
 * - "process-group": the job's own process group only; a process that calls setsid escapes it.
 */
export type Containment = "cgroup" | "process-group";

/** "auto": a cgroup per job where this process may create them (cgroup v2, write access), else the process group. */
export type ContainmentOption = "auto" | Containment;

const PREFIX = "task-queue-job-";

/** Where the cgroup v2 hierarchy is mounted, from /proc/self/mountinfo (fields before " - ", fs type after). */
function cgroup2Mount(): { mountPoint: string; root: string } | undefined {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [before, after] = line.split(" - ");
    if (!before || !after || after.split(" ")[0] !== "cgroup2") continue;
    const fields = before.split(" ");
    const root = fields[3];
    const mountPoint = fields[4];
    if (root !== undefined && mountPoint !== undefined) return { mountPoint, root };
  }
  return undefined;
}

/** This process's own cgroup v2 folder (the "0::" line of /proc/self/cgroup), as a path under the mount. */
function ownCgroupFolder(): string | undefined {
  const mount = cgroup2Mount();
  if (!mount) return undefined;
  const line = readFileSync("/proc/self/cgroup", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("0::"));
  if (line === undefined) return undefined;
  const own = line.slice(3);
  const relative = own.startsWith(mount.root) ? own.slice(mount.root.length) : own;
  return path.join(mount.mountPoint, relative);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The folder job cgroups are created in, or undefined when this machine does not allow it: no cgroup v2 hierarchy,
 * no write access to our own cgroup, or a kernel without `cgroup.kill` (before 5.14). Probed by creating and
 * removing a cgroup. Empty job cgroups left by a process that died (kill -9) are removed on the way.
 */
export function jobCgroupParent(): string | undefined {
  try {
    const parent = ownCgroupFolder();
    if (parent === undefined) return undefined;
    const probe = path.join(parent, `${PREFIX}${process.pid}-probe`);
    mkdirSync(probe);
    const usable =
      existsSync(path.join(probe, "cgroup.kill")) && existsSync(path.join(probe, "cgroup.procs"));
    rmdirSync(probe);
    if (!usable) return undefined;
    for (const name of readdirSync(parent)) {
      const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
      if (owner === undefined || isAlive(Number(owner))) continue;
      try {
        rmdirSync(path.join(parent, name));
      } catch {
        // Still populated or already gone: not ours to force.
      }
    }
    return parent;
  } catch {
    return undefined;
  }
}

/** One job's cgroup: created before the job starts; the job's wrapper moves itself in before it runs the script. */
export class JobCgroup {
  readonly dir: string;

  constructor(parent: string, name: string) {
    this.dir = path.join(parent, `${PREFIX}${process.pid}-${name}`);
    mkdirSync(this.dir);
  }

  /** The processes in it now. */
  pids(): number[] {
    try {
      return readFileSync(path.join(this.dir, "cgroup.procs"), "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map(Number);
    } catch {
      return [];
    }
  }

  /** Sends `signal` to every process in it (SIGKILL: through cgroup.kill, which no process can dodge). */
  signal(signal: NodeJS.Signals): void {
    if (signal === "SIGKILL") {
      try {
        writeFileSync(path.join(this.dir, "cgroup.kill"), "1");
      } catch {
        // Removed already.
      }
      return;
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // Gone meanwhile.
      }
    }
  }

  /** Kills what is left and removes the cgroup once it is empty (polls: emptying takes the kernel a moment). */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 500; attempt++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return;
        if (code !== "EBUSY") throw error;
      }
      this.signal("SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`cgroup ${this.dir} did not empty`);
  }
}

/**
 * The job's wrapper, run by /bin/sh as `sh -c WRAPPER sh <cgroup folder or ""> <program> <args…>`, in a session and
 * process group of its own. It moves itself into the job's cgroup (so everything the script starts is born there),
 * leaves a watcher that reads its fd 3, and execs the program (same pid: exit code and signals are the script's).
 * The worker holds the other end of that pipe and closes it when the job is over, or the kernel does when the
 * worker's process dies (kill -9 included): the watcher then kills the job's cgroup and process group, so no job
 * outlives its worker and nothing a finished job left behind lingers. The watcher is forked twice so that it is not
 * a child of the script (a script waiting for all its children would wait for it).
 */
export const WRAPPER = [
  'cg="$1"; shift',
  'if [ -n "$cg" ] && ! echo "$$" > "$cg/cgroup.procs"; then',
  '  echo "task-queue: cannot move the job into its cgroup $cg; only its process group contains it" >&2; cg=""',
  "fi",
  "( (",
  "  trap '' HUP INT TERM",
  "  read -r _ <&3 || :",
  '  if [ -n "$cg" ]; then echo 1 > "$cg/cgroup.kill"; fi',
  "  kill -KILL 0",
  ") >/dev/null 2>&1 & )",
  'exec "$@" 3<&-',
].join("\n");
