import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { InvalidItem, type ItemId } from "@task-queue/queue-core";

function invalid(id: ItemId, reason: string): InvalidItem {
  return new InvalidItem([{ id, reason }]);
}

function isInside(folder: string, target: string): boolean {
  const relative = path.relative(folder, target);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/**
 * The real path of `fileName` inside `scriptsDir` (itself a real path). Rejects absolute paths, ".." segments and
 * anything whose real path (after symlinks) lies outside the folder, and names a missing script clearly.
 */
export async function resolveScript(id: ItemId, scriptsDir: string, fileName: string): Promise<string> {
  if (path.isAbsolute(fileName) || path.win32.isAbsolute(fileName)) {
    throw invalid(id, `file_name ${JSON.stringify(fileName)} must be relative to the scripts folder`);
  }
  if (fileName.split(/[\\/]/).includes("..")) {
    throw invalid(
      id,
      `file_name ${JSON.stringify(fileName)} must not contain ".." (it must stay in the scripts folder)`,
    );
  }
  let real: string;
  try {
    real = await realpath(path.join(scriptsDir, fileName));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw invalid(id, `script ${JSON.stringify(fileName)} not found in the scripts folder`);
    }
    throw error;
  }
  if (!isInside(scriptsDir, real)) {
    throw invalid(id, `file_name ${JSON.stringify(fileName)} resolves outside the scripts folder`);
  }
  if (!(await stat(real)).isFile()) throw invalid(id, `file_name ${JSON.stringify(fileName)} is not a file`);
  return real;
}
