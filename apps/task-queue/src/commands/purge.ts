import { open } from "node:fs/promises";
import {
  hasHistory,
  type ItemRecord,
  PURGEABLE_STAGES,
  type Queue,
  type StageName,
} from "@task-queue/queue-core";
import { Option } from "commander";
import { CliError, EXIT_USAGE } from "../cli.js";
import { parseDuration } from "../client/duration.js";
import { type Result, recordData } from "../client/output.js";
import type { ClientCommand } from "./client.js";

/** Items per purge request while archiving: each request returns its records, written before the next. */
export const ARCHIVE_BATCH_ITEMS = 500;

function purgeStage(value: unknown): StageName {
  const stage = String(value ?? "").toUpperCase();
  if (!(PURGEABLE_STAGES as readonly string[]).includes(stage))
    throw new CliError(
      `--stage must be one of ${PURGEABLE_STAGES.join(", ")}, got ${String(value)}`,
      EXIT_USAGE,
    );
  return stage as StageName;
}

export function durationOption(flag: string, value: unknown): number {
  const seconds = parseDuration(String(value ?? ""));
  if (seconds === null)
    throw new CliError(
      `${flag} must be a duration such as 90s, 15m, 1h, 7d (got ${String(value)})`,
      EXIT_USAGE,
    );
  return seconds;
}

/** One archive line: the item as it was when purged, with its history when the server records events. */
export async function archiveLine(queue: Queue, record: ItemRecord): Promise<string> {
  let history: unknown = null;
  if (hasHistory(queue)) {
    try {
      history = await queue.history(record.itemId);
    } catch {
      history = null; // the server records no events for this queue
    }
  }
  return `${JSON.stringify({ ...recordData(record), history })}\n`;
}

/**
 * Purges with an archive: asks for ARCHIVE_BATCH_ITEMS at a time with their records and appends each batch to the
 * file (and flushes it to disk) before asking for the next, so at most one batch is in flight.
 */
async function purgeWithArchive(
  queue: Queue,
  file: string,
  stage: StageName,
  olderThanSeconds: number,
  limit: number | undefined,
): Promise<number> {
  const handle = await open(file, "a");
  let purged = 0;
  try {
    for (;;) {
      const want = Math.min(ARCHIVE_BATCH_ITEMS, limit === undefined ? ARCHIVE_BATCH_ITEMS : limit - purged);
      if (want <= 0) break;
      const batch = await queue.purge({ stage, olderThanSeconds, limit: want, withRecords: true });
      const lines: string[] = [];
      for (const record of batch.records ?? []) lines.push(await archiveLine(queue, record));
      await handle.write(lines.join(""));
      await handle.sync();
      purged += batch.purged;
      if (batch.purged < want) break;
    }
  } finally {
    await handle.close();
  }
  return purged;
}

export const purgeCommand: ClientCommand = {
  usage: "purge",
  description:
    "Remove items of a stage (SUCCESS, FAIL or WAITING) whose last change is older than --older-than, oldest first, " +
    "in small batches on the server. --archive appends each purged item (id, stage, body, lifecycle fields, result " +
    "or last error, history) as one JSON line to a file first.",
  examples: [
    "task-queue purge --stage SUCCESS --older-than 7d",
    "task-queue purge --stage FAIL --older-than 30d --archive failed.jsonl",
  ],
  options: [
    new Option("--stage <stage>", "SUCCESS, FAIL or WAITING").makeOptionMandatory(),
    new Option(
      "--older-than <duration>",
      "age since the last change: 90s, 15m, 1h, 7d, 2w",
    ).makeOptionMandatory(),
    new Option("--limit <n>", "remove at most this many items"),
    new Option("--archive <file.jsonl>", "append what is purged to this JSON-lines file"),
  ],
  run: async (queue, _args, { options }): Promise<Result> => {
    const stage = purgeStage(options.stage);
    const olderThanSeconds = durationOption("--older-than", options.olderThan);
    const limit = options.limit === undefined ? undefined : Number(options.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new CliError(`--limit must be a whole number ≥ 1, got ${String(options.limit)}`, EXIT_USAGE);
    const archive = options.archive as string | undefined;
    const purged =
      archive === undefined
        ? (await queue.purge({ stage, olderThanSeconds, ...(limit === undefined ? {} : { limit }) })).purged
        : await purgeWithArchive(queue, archive, stage, olderThanSeconds, limit);
    const data = { stage, older_than_seconds: olderThanSeconds, purged, ...(archive ? { archive } : {}) };
    return { data, rows: [{ stage, purged: String(purged), ...(archive ? { archive } : {}) }] };
  },
};
