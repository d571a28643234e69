import {
  allIdsInStage,
  type Completion,
  canPause,
  type Failure,
  type GetOptions,
  hasHistory,
  type ItemId,
  type JobOptions,
  type JsonValue,
  parseStage,
  type Queue,
  STAGE_NAMES,
  stageName,
} from "@task-queue/queue-core";
import { type Command, Option } from "commander";
import {
  action,
  addSettingFlags,
  CliError,
  type CommandSpec,
  EXIT_USAGE,
  type RunContext,
  withExamples,
} from "../cli.js";
import {
  itemRows,
  OUTPUT_FORMATS,
  type OutputFormat,
  type Result,
  recordData,
  recordRows,
  render,
} from "../client/output.js";
import { Progress } from "../client/progress.js";
import { batches, readItems } from "../client/read-items.js";
import { callbackSettingsCommand, callbacksCommand, resendCallbacksCommand } from "./callbacks.js";
import { e2eCommand } from "./e2e.js";
import { purgeCommand } from "./purge.js";
import { listCommand, reportCommand, statsCommand } from "./reports.js";

const spec: CommandSpec = { groups: ["client", "auth"], logTo: "stderr" };

/** Items per put request, and bytes of JSON per request: well under the server's request limit. */
const PUT_BATCH_ITEMS = 5_000;
const PUT_BATCH_BYTES = 4 * 1024 * 1024;

export interface ClientCommand {
  usage: string;
  description: string;
  examples: string[];
  options?: Option[];
  run: (queue: Queue, args: string[], context: RunContext) => Promise<Result>;
}

const count = (value: string | undefined): number => {
  const n = Number(value ?? 1);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`n must be a whole number ≥ 0, got ${value}`, EXIT_USAGE);
  return n;
};

function stageArg(value: string | undefined): ReturnType<typeof parseStage> {
  try {
    return parseStage(value?.toUpperCase());
  } catch {
    throw new CliError(`stage must be one of ${STAGE_NAMES.join(", ")} (or 0–3), got ${value}`, EXIT_USAGE);
  }
}

/** A number option (seconds, attempts, priority), checked here so a typo is a usage error, not a server 422. */
function numberOption(flag: string, value: unknown, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (String(value).trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new CliError(
      `${flag} must be ${integer ? "a whole number" : "a number"}, got ${String(value)}`,
      EXIT_USAGE,
    );
  return n;
}

async function storePause(queue: Queue, paused: boolean): Promise<Result> {
  if (!canPause(queue)) throw new CliError("this client cannot pause a queue");
  await queue.setPaused(paused);
  return { data: { paused }, rows: [{ paused: String(paused) }] };
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

function jobOptions(options: Record<string, unknown>): JobOptions {
  return defined({
    priority: numberOption("--priority", options.priority, true),
    delaySeconds: numberOption("--delay", options.delay, false),
    maxAttempts: numberOption("--max-attempts", options.maxAttempts, true),
    notifyUrl: options.notifyUrl === undefined ? undefined : String(options.notifyUrl),
  });
}

function getOptions(options: Record<string, unknown>): GetOptions {
  return defined({
    leaseSeconds: numberOption("--lease", options.lease, false),
    waitSeconds: numberOption("--wait", options.wait, false),
  });
}

const attemptOption = new Option(
  "--attempt <n>",
  "the attempt number get handed out (fences the call to it)",
);

function parseResult(text: unknown): JsonValue | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(String(text)) as JsonValue;
  } catch (error) {
    throw new CliError(
      `--result must be JSON (e.g. '{"frames": 12}'): ${(error as Error).message}`,
      EXIT_USAGE,
    );
  }
}

const iso = (date: Date | null): string => (date === null ? "" : date.toISOString());

function moveResult(
  moved: ItemId[],
  skipped: Array<{ id: string; reason: string; stage?: string }>,
  retried: ItemId[] = [],
): Result {
  const retriedSet = new Set(retried);
  return {
    data: retried.length > 0 ? { moved, retried, skipped } : { moved, skipped },
    rows: [
      ...moved.map((id) => ({ id, result: retriedSet.has(id) ? "moved (retry: back to WAITING)" : "moved" })),
      ...skipped.map((s) => ({ id: s.id, result: `skipped: ${s.reason}${s.stage ? ` (${s.stage})` : ""}` })),
    ],
  };
}

const COMMANDS: Record<string, ClientCommand> = {
  put: {
    usage: "put <file>",
    description:
      'Add items from a JSON file of { "<id>": <body>, … } ("-" reads stdin); large files go in batches with progress. ' +
      "--priority, --delay, --max-attempts and --notify-url apply to every item of the file.",
    examples: [
      "task-queue put examples/items.json",
      "cat items.json | task-queue put - --queue nightly",
      "task-queue put urgent.json --priority 10 --max-attempts 3",
      "task-queue put tomorrow.json --delay 86400",
      "task-queue put renders.json --notify-url https://hooks.example.com/done",
    ],
    options: [
      new Option("--priority <n>", "integer; higher is handed out first (default 0)"),
      new Option("--delay <seconds>", "not handed out before now + this many seconds"),
      new Option("--max-attempts <n>", "hand-outs before a failure is final (default: the queue's, 1)"),
      new Option("--notify-url <url>", "POST a signed callback here when each item reaches SUCCESS or FAIL"),
    ],
    run: async (queue, [file], { logger, options }) => {
      const lifecycle = jobOptions(options);
      const withOptions = Object.keys(lifecycle).length > 0;
      const items = await readItems(file!);
      const parts = batches(items, PUT_BATCH_ITEMS, PUT_BATCH_BYTES);
      const added: ItemId[] = [];
      const skipped: ItemId[] = [];
      const progress =
        parts.length > 1
          ? new Progress({ label: "put", unit: "items", total: items.length, stream: process.stderr })
          : null;
      try {
        for (const part of parts) {
          const result = withOptions
            ? await queue.putJobs(Object.entries(part).map(([id, body]) => ({ id, body, ...lifecycle })))
            : await queue.put(part);
          added.push(...result.added);
          skipped.push(...result.skipped);
          progress?.update(added.length + skipped.length);
        }
      } finally {
        // An error (or the result) then starts on a line of its own.
        progress?.finish();
      }
      logger.debug({ added: added.length, skipped: skipped.length }, "put done");
      return {
        data: { added: added.length, skipped: skipped.length, skippedIds: skipped },
        rows: [{ added: String(added.length), skipped: String(skipped.length) }],
      };
    },
  },
  get: {
    usage: "get [n]",
    description:
      "Take the next n available items (default 1): they move to PROCESSING and are printed. With --lease or " +
      "--wait, each item comes with its attempt number (pass it to success/fail/extend --attempt) and lease expiry.",
    examples: ["task-queue get 10 --output json", "task-queue get 5 --lease 300 --wait 20"],
    options: [
      new Option(
        "--lease <seconds>",
        "hand the items out under a lease: unless extended or completed, retried",
      ),
      new Option("--wait <seconds>", "when nothing is available, wait up to this long (≤ 60) for work"),
    ],
    run: async (queue, [n], { options }) => {
      const lifecycle = getOptions(options);
      if (Object.keys(lifecycle).length === 0) {
        const items = await queue.get(count(n));
        return { data: Object.fromEntries(items), rows: itemRows(items) };
      }
      const jobs = await queue.getJobs(count(n), lifecycle);
      return {
        data: jobs.map((job) => ({
          id: job.itemId,
          attempt: job.attempt,
          lease_expires_at: job.leaseExpiresAt?.toISOString() ?? null,
          body: job.body,
        })),
        rows: jobs.map((job) => ({
          id: job.itemId,
          attempt: String(job.attempt),
          lease_expires_at: iso(job.leaseExpiresAt),
          body: JSON.stringify(job.body),
        })),
      };
    },
  },
  peek: {
    usage: "peek [n]",
    description: "Show the next n WAITING items (default 1) without moving them.",
    examples: ["task-queue peek 5"],
    run: async (queue, [n]) => {
      const items = await queue.peek(count(n));
      return { data: Object.fromEntries(items), rows: itemRows(items) };
    },
  },
  success: {
    usage: "success <ids...>",
    description:
      "Move PROCESSING items to SUCCESS, with --result stored on each; ids in another stage (or, with --attempt, " +
      "whose attempt no longer holds them: LEASE_LOST) are skipped with the reason.",
    examples: [
      "task-queue success item-1 item-2",
      `task-queue success item-1 --attempt 2 --result '{"frames": 12}'`,
    ],
    options: [
      new Option("--result <json>", "a JSON result to store with the item (≤ 64 KiB)"),
      attemptOption,
    ],
    run: async (queue, ids, { options }) => {
      const result = parseResult(options.result);
      const attempt = numberOption("--attempt", options.attempt, true);
      const entries: Array<ItemId | Completion> =
        result === undefined && attempt === undefined
          ? ids
          : ids.map((id) => defined({ id, result, attempt }));
      const moved = await queue.successMany(entries);
      return moveResult(moved.moved, moved.skipped);
    },
  },
  fail: {
    usage: "fail <ids...>",
    description:
      "A failed attempt for each PROCESSING item: back to WAITING while attempts remain, else FAIL; --reason is " +
      "kept as last_error. Ids in another stage (or with a stale --attempt) are skipped with the reason.",
    examples: ["task-queue fail item-3", 'task-queue fail item-3 --reason "out of memory" --attempt 1'],
    options: [
      new Option("--reason <text>", "why: shown as last_error (cut to 8 KiB)"),
      new Option("--retry-delay <seconds>", "when retried, wait this long instead of the queue's backoff"),
      attemptOption,
    ],
    run: async (queue, ids, { options }) => {
      const reason = options.reason as string | undefined;
      const attempt = numberOption("--attempt", options.attempt, true);
      const retryDelaySeconds = numberOption("--retry-delay", options.retryDelay, false);
      const entries: Array<ItemId | Failure> =
        reason === undefined && attempt === undefined && retryDelaySeconds === undefined
          ? ids
          : ids.map((id) => defined({ id, reason, attempt, retryDelaySeconds }));
      const result = await queue.failMany(entries);
      return moveResult(result.moved, result.skipped, result.retried);
    },
  },
  extend: {
    usage: "extend <id>",
    description:
      "Renew the lease of an item held by an attempt; fails with LEASE_LOST when it no longer holds it.",
    examples: ["task-queue extend item-1 --attempt 2 --lease 300"],
    options: [
      new Option("--lease <seconds>", "the new lease, from now").makeOptionMandatory(),
      new Option("--attempt <n>", "the attempt number get handed out").makeOptionMandatory(),
    ],
    run: async (queue, [id], { options }) => {
      const expires = await queue.extend(id!, {
        leaseSeconds: numberOption("--lease", options.lease, false)!,
        attempt: numberOption("--attempt", options.attempt, true)!,
      });
      return {
        data: { id, lease_expires_at: expires.toISOString() },
        rows: [{ id: id!, lease_expires_at: iso(expires) }],
      };
    },
  },
  cancel: {
    usage: "cancel <id>",
    description:
      "Move a WAITING or PROCESSING item to FAIL with a reason; its controller stops the running job.",
    examples: ['task-queue cancel item-4 --reason "not needed any more"'],
    options: [new Option("--reason <text>", 'why (default "cancelled")')],
    run: async (queue, [id], { options }) => {
      await queue.cancel(id!, options.reason as string | undefined);
      return { data: { id, stage: "FAIL" }, rows: [{ id: id!, result: "cancelled" }] };
    },
  },
  delete: {
    usage: "delete <ids...>",
    description:
      "Remove items in WAITING, SUCCESS or FAIL for good; PROCESSING items (cancel them first) are skipped.",
    examples: ["task-queue delete item-3 item-4"],
    run: async (queue, ids) => {
      const result = await queue.delete(ids);
      return {
        data: result,
        rows: [
          ...result.deleted.map((id) => ({ id, result: "deleted" })),
          ...result.skipped.map((s) => ({
            id: s.id,
            result: `skipped: ${s.reason}${s.stage ? ` (${s.stage})` : ""}`,
          })),
        ],
      };
    },
  },
  requeue: {
    usage: "requeue [ids...]",
    description:
      "Move FAIL items back to WAITING (to the end of the line); --all-failed requeues every FAIL item.",
    examples: ["task-queue requeue item-3", "task-queue requeue --all-failed"],
    options: [new Option("--all-failed", "requeue every item in FAIL")],
    run: async (queue, ids, { options }) => {
      const targets = options.allFailed ? await allIdsInStage(queue, stageArg("FAIL")) : ids;
      if (targets.length === 0 && !options.allFailed)
        throw new CliError("give the ids to requeue, or --all-failed", EXIT_USAGE);
      const result = await queue.requeue(targets);
      return moveResult(result.requeued, result.skipped);
    },
  },
  pause: {
    usage: "pause",
    description:
      "Pause releasing: every controller of the queue stops releasing new work from its next tick (running jobs go on); stored with the queue.",
    examples: ["task-queue pause", "task-queue pause --queue nightly"],
    run: (queue) => storePause(queue, true),
  },
  resume: {
    usage: "resume",
    description: "Resume releasing work from the queue (undoes pause).",
    examples: ["task-queue resume --queue nightly"],
    run: (queue) => storePause(queue, false),
  },
  sizes: {
    usage: "sizes",
    description: "Number of items in each stage.",
    examples: ["task-queue sizes", "task-queue sizes --queue nightly --output json"],
    run: async (queue) => {
      const sizes = await queue.sizes();
      return { data: sizes, rows: recordRows(sizes, "stage", "items") };
    },
  },
  status: {
    usage: "status <id>",
    description: "The stage an item is in.",
    examples: ["task-queue status item-1"],
    run: async (queue, [id]) => {
      const stage = stageName(await queue.lookupStatus(id!));
      return { data: { id, stage }, rows: [{ id: id!, stage }] };
    },
  },
  item: {
    usage: "item <id>",
    description:
      "An item: stage, body, attempts and max attempts, priority, run_after, lease expiry, last error, result and times.",
    examples: ["task-queue item item-1", "task-queue item item-1 --output yaml"],
    run: async (queue, [id]) => {
      const record = await queue.lookupRecord(id!);
      const data = recordData(record);
      const shown = (value: unknown) =>
        value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
      return {
        data,
        rows: Object.entries(data).map(([field, value]) => ({ field, value: shown(value) })),
      };
    },
  },
  ids: {
    usage: "ids <stage>",
    description: `Every id in a stage (${STAGE_NAMES.join(", ")}).`,
    examples: ["task-queue ids FAIL", "task-queue ids waiting --output json"],
    run: async (queue, [stage]) => {
      const ids = await allIdsInStage(queue, stageArg(stage));
      return { data: ids, rows: ids.map((id) => ({ id })) };
    },
  },
  purge: purgeCommand,
  stats: statsCommand,
  list: listCommand,
  report: reportCommand,
  e2e: e2eCommand,
  callbacks: callbacksCommand,
  "resend-callbacks": resendCallbacksCommand,
  "callback-settings": callbackSettingsCommand,
  history: {
    usage: "history <id>",
    description: "An item's moves from stage to stage, oldest first (needs WITH_QUEUE_EVENTS on the server).",
    examples: ["task-queue history item-3"],
    run: async (queue, [id]) => {
      if (!hasHistory(queue)) throw new CliError("this client cannot read history");
      const entries = await queue.history(id!);
      return {
        data: entries,
        rows: entries.map((e) => ({ time: e.time, event: e.kind, from: e.from ?? "", to: e.to })),
      };
    },
  },
};

/** The client commands: each talks to a running server (--url / TASK_QUEUE_URL, --token / TASK_QUEUE_TOKEN). */
export function clientCommands(program: Command): void {
  for (const definition of Object.values(COMMANDS)) {
    const command = program.command(definition.usage).description(definition.description);
    command.addOption(
      new Option("-o, --output <format>", "output format").choices([...OUTPUT_FORMATS]).default("table"),
    );
    command.addOption(
      new Option("-q, --queue <name>", "a named queue instead of the server's default queue"),
    );
    for (const option of definition.options ?? []) command.addOption(option);
    addSettingFlags(command, spec);
    withExamples(command, definition.examples);
    command.action(
      action(spec, async (context) => {
        const { settings } = context.config;
        const queueName = context.options.queue as string | undefined;
        // Loaded here, not at the top: `--help` and config errors need not pay for the HTTP client.
        const { clientCommandError, openClientQueue } = await import("../wiring/client.js");
        const queue = openClientQueue({
          url: settings.url,
          token: settings.token,
          queueName,
          timeoutSeconds: settings.timeout,
        });
        try {
          const result = await definition.run(queue, context.options.args as string[], context);
          process.stdout.write(render(result, context.options.output as OutputFormat));
          return result.exitCode ?? 0;
        } catch (error) {
          throw clientCommandError(error, settings.url);
        } finally {
          await queue.close();
        }
      }),
    );
  }
}
