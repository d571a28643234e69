import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** A temporary folder with a scripts/ folder inside (and room for files outside it). */
export async function scriptsFolder(): Promise<{
  root: string;
  scripts: string;
  write(relative: string, text: string, executable?: boolean): Promise<string>;
  remove(): Promise<void>;
}> {
  const root = await mkdtemp(path.join(tmpdir(), "process-worker-"));
  const scripts = path.join(root, "scripts");
  await writeFile(path.join(root, ".keep"), "");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(scripts);
  return {
    root,
    scripts,
    async write(relative, text, executable = true) {
      const file = path.join(root, relative);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
      await chmod(file, executable ? 0o755 : 0o644);
      return file;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** The cgroup v2 folder a process is in (its "0::" line), under the hierarchy's mount point; undefined without one. */
export function cgroupFolderOf(pid: number | "self"): string | undefined {
  const mount = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .find((line) => line.split(" - ")[1]?.startsWith("cgroup2 "))
    ?.split(" ")[4];
  const own = readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .split("\n")
    .find((line) => line.startsWith("0::"));
  return mount === undefined || own === undefined ? undefined : path.join(mount, own.slice(3));
}

/** Whether this process may make cgroups with cgroup.kill where it is (the test's own look, not the worker's). */
export function cgroupsAvailable(): boolean {
  const folder = cgroupFolderOf("self");
  if (folder === undefined) return false;
  const probe = path.join(folder, `test-probe-${process.pid}`);
  try {
    mkdirSync(probe);
  } catch {
    return false;
  }
  const usable = existsSync(path.join(probe, "cgroup.kill"));
  rmdirSync(probe);
  return usable;
}
