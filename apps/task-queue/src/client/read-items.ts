import { readFile } from "node:fs/promises";
import type { JsonValue } from "@task-queue/queue-core";
import { CliError, EXIT_USAGE } from "../cli.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads the items to put: a JSON object of id → body, from a file or from stdin ("-"). */
export async function readItems(source: string): Promise<Array<[string, JsonValue]>> {
  let text: string;
  try {
    text = source === "-" ? await readStdin() : await readFile(source, "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      EXIT_USAGE,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not JSON: ${(error as Error).message}`, EXIT_USAGE);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new CliError(`${source} must hold a JSON object of item id → item body`, EXIT_USAGE);
  return Object.entries(parsed as Record<string, JsonValue>);
}

/** Splits items into batches of at most maxItems items and about maxBytes of JSON, so each request stays small. */
export function batches(
  items: Array<[string, JsonValue]>,
  maxItems: number,
  maxBytes: number,
): Array<Record<string, JsonValue>> {
  const out: Array<Record<string, JsonValue>> = [];
  let current: Record<string, JsonValue> = {};
  let count = 0;
  let bytes = 0;
  for (const [id, body] of items) {
    const size = id.length + JSON.stringify(body).length + 8;
    if (count > 0 && (count >= maxItems || bytes + size > maxBytes)) {
      out.push(current);
      current = {};
      count = 0;
      bytes = 0;
    }
    current[id] = body;
    count++;
    bytes += size;
  }
  if (count > 0) out.push(current);
  return out;
}
