import { readFileSync } from "node:fs";
import { symlink } from "node:fs/promises";
import path from "node:path";
import { InvalidArgument, InvalidItem, QueueItemStage } from "@task-queue/queue-core";
import { recordingLogger } from "@task-queue/queue-core/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProcessWorker, type ProcessWorkerOptions } from "../src/index.js";
import { scriptsFolder } from "./helpers.js";

let folder: Awaited<ReturnType<typeof scriptsFolder>>;
let logger: ReturnType<typeof recordingLogger>;
const workers: ProcessWorker[] = [];

function makeWorker(options: Partial<ProcessWorkerOptions> = {}): ProcessWorker {
  const worker = new ProcessWorker({ scriptsDir: folder.scripts, logger, killGraceMs: 500, ...options });
  workers.push(worker);
  return worker;
}

/** Waits (on the job's own progress, not a clock) until the item leaves PROCESSING. */
async function settled(worker: ProcessWorker, id: string): Promise<QueueItemStage | undefined> {
  await vi.waitFor(
    async () => {
      if ((await worker.pollAllStatus()).get(id) === QueueItemStage.PROCESSING)
        throw new Error("still running");
    },
    { timeout: 30_000, interval: 20 },
  );
  return (await worker.pollAllStatus()).get(id);
}

function outputLines(id: string, stream = "stdout"): unknown[] {
  return logger.records.filter((r) => r.obj.item_id === id && r.obj.stream === stream).map((r) => r.obj.line);
}

function pidOf(id: string): number {
  const started = logger.records.find((r) => r.msg === "job started" && r.obj.item_id === id);
  return started?.obj.pid as number;
}

/** Running, not a zombie waiting to be reaped (Linux /proc). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** The pid of the `sleep` a slow.sh job started in the background. */
async function grandchildOf(id: string): Promise<number> {
  await vi.waitFor(() => expect(outputLines(id).length).toBeGreaterThan(0), {
    timeout: 30_000,
    interval: 20,
  });
  return Number(String(outputLines(id)[0]).replace("child=", ""));
}

beforeEach(async () => {
  folder = await scriptsFolder();
  logger = recordingLogger();
  await folder.write(
    "scripts/ok.sh",
    '#!/bin/sh\necho "hello $1"\necho "to stderr" >&2\necho "item=$QUEUE_ITEM_ID"\n',
  );
  await folder.write("scripts/fail.sh", "#!/bin/sh\necho failing\nexit 3\n");
  await folder.write("scripts/slow.sh", '#!/bin/sh\nsleep 60 &\necho "child=$!"\nwait\n');
  await folder.write("scripts/leaves-child.sh", '#!/bin/sh\nsleep 60 &\necho "child=$!"\nexit 0\n');
  await folder.write("scripts/echo-args.sh", '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done\n');
  await folder.write("scripts/plain.sh", "echo run by sh\n", false);
  await folder.write("scripts/plain.txt", "echo no interpreter for .txt\n", false);
  await folder.write("scripts/sub/nested.sh", "#!/bin/sh\necho nested\n");
  await folder.write("outside.sh", "#!/bin/sh\necho escaped\n");
});

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.close();
  await folder.remove();
});

describe("ProcessWorker", () => {
  it("runs a script to SUCCESS and logs stdout and stderr lines with the item id", async () => {
    const worker = makeWorker();
    await worker.sendJob("job-1", { file_name: "ok.sh", args: ["world"] });
    expect(await settled(worker, "job-1")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("job-1")).toEqual(["hello world", "item=job-1"]);
    expect(outputLines("job-1", "stderr")).toEqual(["to stderr"]);
  });

  it("runs scripts in subfolders and accepts a body without args", async () => {
    const worker = makeWorker();
    await worker.sendJob("nested", { file_name: "sub/nested.sh" });
    expect(await settled(worker, "nested")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("nested")).toEqual(["nested"]);
  });

  it("reports a non-zero exit as FAIL", async () => {
    const worker = makeWorker();
    await worker.sendJob("job-2", { file_name: "fail.sh", args: [] });
    expect(await settled(worker, "job-2")).toBe(QueueItemStage.FAIL);
    expect(logger.records.find((r) => r.msg === "job finished")?.obj.code).toBe(3);
  });

  it("lastError: the exit code and the last lines of stderr of a failed job; nothing for a success", async () => {
    await folder.write(
      "scripts/noisy.sh",
      '#!/bin/sh\nfor i in $(seq 1 30); do echo "line $i" >&2; done\necho "boom: disk full" >&2\nexit 7\n',
    );
    const worker = makeWorker();
    await worker.sendJob("noisy", { file_name: "noisy.sh", args: [] });
    await worker.sendJob("fine", { file_name: "sub/nested.sh" });
    expect(await settled(worker, "noisy")).toBe(QueueItemStage.FAIL);
    expect(await settled(worker, "fine")).toBe(QueueItemStage.SUCCESS);
    const error = worker.lastError("noisy")!;
    expect(error.split("\n")).toEqual([
      "exit code 7; stderr:",
      ...Array.from({ length: 19 }, (_, i) => `line ${i + 12}`),
      "boom: disk full",
    ]);
    expect(worker.lastError("fine")).toBeUndefined();
    expect(worker.lastError("unknown")).toBeUndefined();
  });

  it("lastError of a job killed at its timeout says so", async () => {
    const worker = makeWorker({ timeoutMs: 300 });
    await worker.sendJob("slow-2", { file_name: "slow.sh", args: [] });
    expect(await settled(worker, "slow-2")).toBe(QueueItemStage.FAIL);
    expect(worker.lastError("slow-2")).toMatch(/^timed out after 300 ms/);
  });

  it("kills a job that exceeds its timeout, with what it started, and reports FAIL", async () => {
    // Long enough for the script to print its child's pid on a busy machine, before the kill.
    const worker = makeWorker({ timeoutMs: 1_000 });
    await worker.sendJob("slow", { file_name: "slow.sh", args: [] });
    const grandchild = await grandchildOf("slow");
    expect(await settled(worker, "slow")).toBe(QueueItemStage.FAIL);
    expect(isAlive(grandchild)).toBe(false);
    expect(logger.records.some((r) => r.msg === "job timed out; killing it")).toBe(true);
    expect(isAlive(pidOf("slow"))).toBe(false);
  });

  it("keeps a job whose script exited in PROCESSING while what it started runs, and deleteJob stops that too", async () => {
    const worker = makeWorker();
    await worker.sendJob("leaves", { file_name: "leaves-child.sh", args: [] });
    const grandchild = await grandchildOf("leaves");
    await vi.waitFor(() => expect(isAlive(pidOf("leaves"))).toBe(false), { timeout: 30_000, interval: 20 });
    expect((await worker.pollAllStatus()).get("leaves")).toBe(QueueItemStage.PROCESSING);
    await worker.deleteJob("leaves");
    expect(isAlive(grandchild)).toBe(false);
    expect(await worker.pollAllStatus()).toEqual(new Map());
  });

  it("passes args verbatim: spaces, quotes, and no shell expansion", async () => {
    const worker = makeWorker();
    const args = ["two words", `it's "quoted"`, "$HOME", "*", "; echo injected", "`id`", ""];
    await worker.sendJob("args", { file_name: "echo-args.sh", args });
    expect(await settled(worker, "args")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("args")).toEqual(args);
  });

  it("rejects paths that leave the scripts folder with a clear error", async () => {
    const worker = makeWorker();
    await symlink(path.join(folder.root, "outside.sh"), path.join(folder.scripts, "link.sh"));
    await symlink(folder.root, path.join(folder.scripts, "up"));
    await expect(worker.sendJob("e1", { file_name: "../outside.sh", args: [] })).rejects.toThrow(
      /must not contain ".."/,
    );
    await expect(worker.sendJob("e2", { file_name: "sub/../../outside.sh", args: [] })).rejects.toThrow(
      InvalidItem,
    );
    await expect(
      worker.sendJob("e3", { file_name: path.join(folder.root, "outside.sh"), args: [] }),
    ).rejects.toThrow(/must be relative/);
    await expect(worker.sendJob("e4", { file_name: "link.sh", args: [] })).rejects.toThrow(
      /outside the scripts folder/,
    );
    await expect(worker.sendJob("e5", { file_name: "up/outside.sh", args: [] })).rejects.toThrow(/outside/);
    expect(await worker.pollAllStatus()).toEqual(new Map());
    expect(logger.records.some((r) => r.obj.line === "escaped")).toBe(false);
  });

  it("rejects a missing script and an invalid body with clear errors", async () => {
    const worker = makeWorker();
    await expect(worker.sendJob("m", { file_name: "nope.sh", args: [] })).rejects.toThrow(/not found/);
    await expect(worker.sendJob("m", { file_name: "sub", args: [] })).rejects.toThrow(/not a file/);
    await expect(worker.sendJob("m", { file_name: 3, args: [] })).rejects.toThrow(/file_name must be/);
    await expect(worker.sendJob("m", { file_name: "ok.sh", args: "x" })).rejects.toThrow(
      /args must be an array/,
    );
    await expect(worker.sendJob("m", { file_name: "ok.sh", args: [1] })).rejects.toThrow(InvalidItem);
    await expect(worker.sendJob("m", "ok.sh")).rejects.toThrow(/must be an object/);
    await expect(worker.sendJob("m", { file_name: "plain.txt", args: [] })).rejects.toThrow(/executable bit/);
    expect(await worker.pollAllStatus()).toEqual(new Map());
  });

  it("runs through a command template", async () => {
    const worker = makeWorker({ commandTemplate: ["sh", "{script}"] });
    await worker.sendJob("tpl", { file_name: "plain.sh", args: [] });
    expect(await settled(worker, "tpl")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("tpl")).toEqual(["run by sh"]);
    expect(() => makeWorker({ commandTemplate: ["python3"] })).toThrow(InvalidArgument);
    expect(() => makeWorker({ scriptsDir: path.join(folder.root, "missing") })).toThrow(InvalidArgument);
  });

  it("deleteJob kills a running job and forgets it; close() kills the rest", async () => {
    const worker = makeWorker();
    await worker.sendJob("a", { file_name: "slow.sh", args: [] });
    await worker.sendJob("b", { file_name: "slow.sh", args: [] });
    expect(await worker.pollAllStatus()).toEqual(
      new Map([
        ["a", QueueItemStage.PROCESSING],
        ["b", QueueItemStage.PROCESSING],
      ]),
    );
    const grandchild = await grandchildOf("a");
    await worker.deleteJob("a");
    expect(isAlive(pidOf("a"))).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    expect([...(await worker.pollAllStatus()).keys()]).toEqual(["b"]);
    await worker.deleteJob("a");
    await worker.close();
    expect(isAlive(pidOf("b"))).toBe(false);
    expect(await worker.pollAllStatus()).toEqual(new Map());
  });
});

describe("ProcessWorker, as the Python task-queue ran scripts", () => {
  it("runs a .py file as python3 <file> <args…>, as the original did", async () => {
    await folder.write(
      "scripts/job.py",
      'import os, sys\nprint("args=" + "|".join(sys.argv[1:]))\nprint("item=" + os.environ["QUEUE_ITEM_ID"])\n',
      false,
    );
    const worker = makeWorker();
    await worker.sendJob("py", { file_name: "job.py", args: ["a b", "$HOME"] });
    expect(await settled(worker, "py")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("py")).toEqual(["args=a b|$HOME", "item=py"]);
  });

  it("runs an executable with a shebang directly, whatever its extension", async () => {
    // python3 would fail on this file: SUCCESS shows /bin/sh ran it.
    await folder.write("scripts/shebang.py", '#!/bin/sh\necho "direct $1"\n');
    const worker = makeWorker();
    await worker.sendJob("direct", { file_name: "shebang.py", args: ["run"] });
    expect(await settled(worker, "direct")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("direct")).toEqual(["direct run"]);
  });

  it("runs .sh with bash and .mjs with node when they are not executables", async () => {
    await folder.write("scripts/which.mjs", 'console.log("node " + process.argv[2]);\n', false);
    const worker = makeWorker();
    await worker.sendJob("sh", { file_name: "plain.sh", args: [] });
    await worker.sendJob("mjs", { file_name: "which.mjs", args: ["ran"] });
    expect(await settled(worker, "sh")).toBe(QueueItemStage.SUCCESS);
    expect(await settled(worker, "mjs")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("sh")).toEqual(["run by sh"]);
    expect(outputLines("mjs")).toEqual(["node ran"]);
  });

  it("takes the interpreters per extension from its options, and rejects bad ones", async () => {
    await folder.write("scripts/task.job", 'echo "job $1"\n', false);
    const worker = makeWorker({ interpreters: { ".job": ["sh", "-e"] } });
    await worker.sendJob("job", { file_name: "task.job", args: ["x"] });
    expect(await settled(worker, "job")).toBe(QueueItemStage.SUCCESS);
    expect(outputLines("job")).toEqual(["job x"]);
    // Its own table replaces the default: .py has no interpreter now.
    await folder.write("scripts/job.py", 'print("never")\n', false);
    await expect(worker.sendJob("py", { file_name: "job.py", args: [] })).rejects.toThrow(/executable bit/);
    expect(() => makeWorker({ interpreters: { py: ["python3"] } })).toThrow(InvalidArgument);
    expect(() => makeWorker({ interpreters: { ".py": [] } })).toThrow(InvalidArgument);
  });

  it("with failOnStderr fails a job that wrote to stderr even with exit 0, as the original did", async () => {
    const strict = makeWorker({ failOnStderr: true });
    await strict.sendJob("noisy", { file_name: "ok.sh", args: ["x"] });
    await strict.sendJob("quiet", { file_name: "sub/nested.sh", args: [] });
    expect(await settled(strict, "noisy")).toBe(QueueItemStage.FAIL);
    expect(await settled(strict, "quiet")).toBe(QueueItemStage.SUCCESS);
    const finished = logger.records.find((r) => r.obj.item_id === "noisy" && r.obj.failedBy === "stderr");
    expect(finished?.obj.code).toBe(0);
    // The controller records why: the rule, and what the job wrote.
    expect(strict.lastError("noisy")).toBe("wrote to stderr (failOnStderr); stderr:\nto stderr");

    const lenient = makeWorker();
    await lenient.sendJob("noisy-ok", { file_name: "ok.sh", args: ["x"] });
    expect(await settled(lenient, "noisy-ok")).toBe(QueueItemStage.SUCCESS);
  });
});
