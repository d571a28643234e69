import {
  type HistoryEntry,
  hasHistory,
  hasStats,
  type ItemRecord,
  parseStage,
  type Queue,
  STAGE_NAMES,
  statsToJson,
} from "@task-queue/queue-core";
import { Option } from "commander";
import { CliError, EXIT_USAGE } from "../cli.js";
import { type Result, recordData } from "../client/output.js";
import type { ClientCommand } from "./client.js";
import { durationOption } from "./purge.js";

/** Ids read per lookupState page while filtering by prefix. */
const SCAN_PAGE = 500;

const fixed = (value: number | null, digits = 2): string => (value === null ? "" : value.toFixed(digits));

export const statsCommand: ClientCommand = {
  usage: "stats",
  description:
    "What the queue did over a window (--since, default 1h): items per stage, done and failed per minute, median " +
    "and p95 duration, the oldest waiting item's age and the most frequent failure reasons.",
  examples: ["task-queue stats", "task-queue stats --since 24h --output json"],
  options: [new Option("--since <duration>", "window: 90s, 15m, 1h, 7d").default("1h")],
  run: async (queue, _args, { options }): Promise<Result> => {
    if (!hasStats(queue)) throw new CliError("this client cannot read stats");
    const stats = await queue.stats({ sinceSeconds: durationOption("--since", options.since) });
    const data = statsToJson(stats);
    const rows = [
      { metric: "since", value: data.since },
      ...STAGE_NAMES.map((stage) => ({ metric: stage, value: String(stats.sizes[stage]) })),
      { metric: "done", value: `${stats.done} (${fixed(stats.donePerMinute)}/min)` },
      { metric: "failed", value: `${stats.failed} (${fixed(stats.failedPerMinute)}/min)` },
      {
        metric: `duration (${stats.durationSeconds.measures})`,
        value: `median ${fixed(stats.durationSeconds.median)} s, p95 ${fixed(stats.durationSeconds.p95)} s`,
      },
      { metric: "oldest waiting", value: `${fixed(stats.oldestWaitingSeconds, 0)} s` },
      ...stats.topFailures.map((failure) => ({ metric: `failure ×${failure.count}`, value: failure.reason })),
    ];
    return { data, rows };
  },
};

function positive(flag: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${flag} must be a whole number ≥ 1, got ${String(value)}`, EXIT_USAGE);
  return n;
}

/** Up to `limit` ids of a stage after `cursor` whose id starts with `prefix`, and the cursor to continue from. */
async function idsPage(
  queue: Queue,
  stage: ReturnType<typeof parseStage>,
  limit: number,
  cursor: string | undefined,
  prefix: string,
): Promise<{ ids: string[]; nextCursor: string | null }> {
  if (prefix === "") {
    const page = await queue.lookupState(stage, { limit, ...(cursor ? { cursor } : {}) });
    return page;
  }
  const ids: string[] = [];
  let after = cursor;
  for (;;) {
    const page = await queue.lookupState(stage, { limit: SCAN_PAGE, ...(after ? { cursor: after } : {}) });
    for (const id of page.ids) {
      if (!id.startsWith(prefix)) continue;
      ids.push(id);
      if (ids.length === limit) {
        const more = id !== page.ids[page.ids.length - 1] || page.nextCursor !== null;
        return { ids, nextCursor: more ? id : null };
      }
    }
    if (page.nextCursor === null) return { ids, nextCursor: null };
    after = page.nextCursor;
  }
}

export const listCommand: ClientCommand = {
  usage: "list <stage>",
  description:
    "Items of a stage with their lifecycle fields, a page at a time (--limit, default 20; --cursor from the " +
    "previous page's next_cursor); --filter-prefix keeps ids starting with it.",
  examples: [
    "task-queue list FAIL",
    "task-queue list success --limit 100 --output json",
    "task-queue list waiting --filter-prefix render- --cursor render-0042",
  ],
  options: [
    new Option("--limit <n>", "items per page (default 20)"),
    new Option("--cursor <id>", "continue after this id (next_cursor of the previous page)"),
    new Option("--filter-prefix <text>", "only ids starting with this"),
  ],
  run: async (queue, [stageText], { options }): Promise<Result> => {
    let stage: ReturnType<typeof parseStage>;
    try {
      stage = parseStage(stageText?.toUpperCase());
    } catch {
      throw new CliError(`stage must be one of ${STAGE_NAMES.join(", ")}, got ${stageText}`, EXIT_USAGE);
    }
    const limit = positive("--limit", options.limit, 20);
    const page = await idsPage(
      queue,
      stage,
      limit,
      options.cursor as string | undefined,
      (options.filterPrefix as string | undefined) ?? "",
    );
    const records: ItemRecord[] = [];
    for (const id of page.ids) {
      try {
        records.push(await queue.lookupRecord(id));
      } catch {
        // moved on or removed since the page was read
      }
    }
    const items = records.map(recordData);
    return {
      data: { items, next_cursor: page.nextCursor },
      rows: items.map((item) => ({
        id: item.id,
        stage: item.stage,
        attempts: `${item.attempts}/${item.max_attempts}`,
        priority: String(item.priority),
        updated_at: item.updated_at,
        last_error: item.last_error ?? "",
      })),
    };
  },
};

/** Each history step with the seconds it took to reach it from the step before. */
function historyWithDurations(entries: HistoryEntry[]) {
  return entries.map((entry, i) => ({
    ...entry,
    seconds_since_previous:
      i === 0 ? null : (Date.parse(entry.time) - Date.parse(entries[i - 1]!.time)) / 1000,
  }));
}

export const reportCommand: ClientCommand = {
  usage: "report <id>",
  description:
    "Everything about one item: body, lifecycle fields, its history with the time each step took (when the " +
    "server records events), and its result or last error.",
  examples: ["task-queue report render-0042", "task-queue report render-0042 --output yaml"],
  run: async (queue, [id]): Promise<Result> => {
    const record = recordData(await queue.lookupRecord(id!));
    let history: ReturnType<typeof historyWithDurations> | null = null;
    if (hasHistory(queue)) {
      try {
        history = historyWithDurations(await queue.history(id!));
      } catch {
        history = null; // the server records no events for this queue
      }
    }
    const shown = (value: unknown) =>
      value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
    const rows = [
      ...Object.entries(record).map(([field, value]) => ({ field, value: shown(value) })),
      ...(history ?? []).map((step) => ({
        field: `history ${step.time}`,
        value:
          `${step.from ?? "put"} → ${step.to}${step.action ? ` (${step.action})` : ""}` +
          `${step.reason ? `: ${step.reason}` : ""}` +
          `${step.seconds_since_previous === null ? "" : ` after ${step.seconds_since_previous.toFixed(3)} s`}`,
      })),
    ];
    if (history === null) rows.push({ field: "history", value: "(not recorded: WITH_QUEUE_EVENTS is off)" });
    return { data: { ...record, history }, rows };
  },
};
