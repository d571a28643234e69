import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QueueItemStage } from "@task-queue/queue-core";
import { recordingLogger } from "@task-queue/queue-core/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProcessWorker } from "../src/index.js";
import { cgroupFolderOf, cgroupsAvailable, scriptsFolder } from "./helpers.js";

let folder: Awaited<ReturnType<typeof scriptsFolder>>;
/** Pids a test must not leave running, whatever happens to it. */
const started: number[] = [];

function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits (on the file, not a clock) until it holds a pid, and remembers it for the clean-up. */
async function pidIn(file: string): Promise<number> {
  let pid = 0;
  await vi.waitFor(
    () => {
      pid = Number(readFileSync(file, "utf8").trim());
      expect(pid).toBeGreaterThan(0);
    },
    { timeout: 30_000, interval: 20 },
  );
  started.push(pid);
  return pid;
}

/** A process that stopped writing to `file` writes nothing more while it is watched for a while. */
async function stopsGrowing(file: string): Promise<boolean> {
  const before = statSync(file).size;
  await new Promise((resolve) => setTimeout(resolve, 500));
  return statSync(file).size === before;
}

beforeEach(async () => {
  folder = await scriptsFolder();
  // The job starts a grandchild in a session of its own (setsid): it leaves the job's process group.
  await folder.write(
    "scripts/escape.sh",
    [
      "#!/bin/sh",
      `setsid sh -c 'echo $$ > "$1"; while :; do echo tick >> "$2"; sleep 0.05; done' sh "$1" "$2" &`,
      'echo "$$" > "$3"',
      "wait",
      "",
    ].join("\n"),
  );
});

afterEach(async () => {
  for (const pid of started.splice(0))
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone: what the test wanted.
    }
  await folder.remove();
});

async function runEscapee(worker: ProcessWorker): Promise<{ grandchild: number; ticks: string }> {
  const grandchildPid = path.join(folder.root, "grandchild.pid");
  const ticks = path.join(folder.root, "ticks.log");
  const scriptPid = path.join(folder.root, "script.pid");
  await worker.sendJob("escape", { file_name: "escape.sh", args: [grandchildPid, ticks, scriptPid] });
  await pidIn(scriptPid);
  const grandchild = await pidIn(grandchildPid);
  await vi.waitFor(() => expect(existsSync(ticks)).toBe(true), { timeout: 30_000, interval: 20 });
  await vi.waitFor(
    async () => expect((await worker.pollAllStatus()).get("escape")).not.toBe(QueueItemStage.PROCESSING),
    { timeout: 30_000, interval: 20 },
  );
  return { grandchild, ticks };
}

describe("containment of a job's processes", () => {
  it("a timeout kill stops a grandchild that left the process group with setsid (cgroup per job)", async () => {
    const worker = new ProcessWorker({
      scriptsDir: folder.scripts,
      timeoutMs: 300,
      killGraceMs: 200,
      logger: recordingLogger(),
    });
    try {
      expect(worker.containment).toBe(cgroupsAvailable() ? "cgroup" : "process-group");
      const { grandchild, ticks } = await runEscapee(worker);
      expect((await worker.pollAllStatus()).get("escape")).toBe(QueueItemStage.FAIL);
      if (worker.containment === "cgroup") {
        expect(isAlive(grandchild)).toBe(false);
        expect(await stopsGrowing(ticks)).toBe(true);
      } else {
        // DOCUMENTED LIMIT (README "Containment"): without a writable cgroup v2 hierarchy only the process group
        // is signalled, and a setsid escapee survives. This branch runs only on such machines.
        expect(isAlive(grandchild)).toBe(true);
      }
    } finally {
      await worker.close();
    }
  });

  it("with containment 'process-group' a setsid escapee survives the kill: the documented limit", async () => {
    const worker = new ProcessWorker({
      scriptsDir: folder.scripts,
      timeoutMs: 300,
      killGraceMs: 200,
      containment: "process-group",
    });
    try {
      expect(worker.containment).toBe("process-group");
      const { grandchild, ticks } = await runEscapee(worker);
      expect(isAlive(grandchild)).toBe(true);
      expect(await stopsGrowing(ticks)).toBe(false);
    } finally {
      await worker.close();
    }
  });
});

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js");

describe("a job dies with the process that owns its worker", () => {
  for (const containment of ["auto", "process-group"] as const)
    it(`kill -9 of the owner stops the job and what it started (containment ${containment})`, async () => {
      // The owner: a separate Node process running a ProcessWorker from the built package, as the controller does.
      const scriptPid = path.join(folder.root, "script.pid");
      const childPid = path.join(folder.root, "child.pid");
      await folder.write(
        "scripts/forever.sh",
        `#!/bin/sh\nsleep 600 &\necho $! > "$2"\necho $$ > "$1"\nwait\n`,
      );
      const owner = path.join(folder.root, "owner.mjs");
      writeFileSync(
        owner,
        [
          `import { ProcessWorker } from ${JSON.stringify(DIST)};`,
          `const worker = new ProcessWorker({ scriptsDir: ${JSON.stringify(folder.scripts)}, containment: ${JSON.stringify(containment)} });`,
          `await worker.sendJob("forever", { file_name: "forever.sh", args: ${JSON.stringify([scriptPid, childPid])} });`,
          "setInterval(() => {}, 1000);",
        ].join("\n"),
      );
      const ownerProcess = spawn(process.execPath, [owner], { stdio: "ignore" });
      const exited = new Promise((resolve) => ownerProcess.once("exit", resolve));
      try {
        const script = await pidIn(scriptPid);
        const child = await pidIn(childPid);
        expect(isAlive(script) && isAlive(child)).toBe(true);
        const jobCgroup = cgroupFolderOf(script);
        ownerProcess.kill("SIGKILL");
        await exited;
        await vi.waitFor(() => expect([isAlive(script), isAlive(child)]).toEqual([false, false]), {
          timeout: 30_000,
          interval: 50,
        });
        if (containment === "auto" && cgroupsAvailable()) {
          // The job had a cgroup of its own; the dead owner could not remove it: a new worker (the restart) does.
          expect(jobCgroup).toMatch(new RegExp(`/task-queue-job-${ownerProcess.pid}-1$`));
          expect(existsSync(jobCgroup!)).toBe(true);
          await new ProcessWorker({ scriptsDir: folder.scripts }).close();
          expect(existsSync(jobCgroup!)).toBe(false);
        }
      } finally {
        ownerProcess.kill("SIGKILL");
      }
    });
});
