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
