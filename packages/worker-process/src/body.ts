import { InvalidItem, type ItemId, type JsonValue } from "@task-queue/queue-core";

/** What a ProcessWorker item body holds: a script of the scripts folder and its arguments. */
export interface ProcessJobBody {
  /** Path of the script relative to the scripts folder, e.g. "train.py" or "jobs/nightly.sh". */
  file_name: string;
  /** Passed to the script as separate arguments, verbatim: no shell, no expansion. */
  args: string[];
}

function invalid(id: ItemId, reason: string): InvalidItem {
  return new InvalidItem([{ id, reason }]);
}

/** Checks the body's shape; throws InvalidItem naming the problem. */
export function parseProcessBody(id: ItemId, body: JsonValue): ProcessJobBody {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid(id, 'the body must be an object { "file_name": string, "args": string[] }');
  }
  const { file_name: fileName, args } = body;
  if (typeof fileName !== "string" || fileName.trim() === "") {
    throw invalid(id, "file_name must be a non-empty string");
  }
  if (fileName.includes("\0")) throw invalid(id, "file_name must not contain NUL");
  if (args !== undefined && (!Array.isArray(args) || args.some((arg) => typeof arg !== "string"))) {
    throw invalid(id, "args must be an array of strings");
  }
  if ((args ?? []).some((arg) => (arg as string).includes("\0")))
    throw invalid(id, "args must not contain NUL");
  return { file_name: fileName, args: (args as string[] | undefined) ?? [] };
}
