import {
  allIdsInStage,
  hasHistory,
  type ItemId,
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
  recordRows,
  render,
} from "../client/output.js";
import { batches, readItems } from "../client/read-items.js";

const spec: CommandSpec = { groups: ["client", "auth"], logTo: "stderr" };

/** Items per put request, and bytes of JSON per request: well under the server's request limit. */
const PUT_BATCH_ITEMS = 5_000;
const PUT_BATCH_BYTES = 4 * 1024 * 1024;

interface ClientCommand {
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

function moveResult(moved: ItemId[], skipped: Array<{ id: string; reason: string; stage?: string }>): Result {
  return {
    data: { moved, skipped },
    rows: [
      ...moved.map((id) => ({ id, result: "moved" })),
      ...skipped.map((s) => ({ id: s.id, result: `skipped: ${s.reason}${s.stage ? ` (${s.stage})` : ""}` })),
    ],
  };
}

const COMMANDS: Record<string, ClientCommand> = {
  put: {
    usage: "put <file>",
    description:
      'Add items from a JSON file of { "<id>": <body>, … } ("-" reads stdin); large files go in batches with progress.',
    examples: ["task-queue put examples/items.json", "cat items.json | task-queue put - --queue nightly"],
    run: async (queue, [file], { logger }) => {
      const items = await readItems(file!);
      const parts = batches(items, PUT_BATCH_ITEMS, PUT_BATCH_BYTES);
      const added: ItemId[] = [];
      const skipped: ItemId[] = [];
      const showProgress = parts.length > 1;
      for (const part of parts) {
        const result = await queue.put(part);
        added.push(...result.added);
        skipped.push(...result.skipped);
        if (showProgress) {
          const done = added.length + skipped.length;
          process.stderr.write(
            `put ${done}/${items.length} items (${Math.floor((100 * done) / items.length)}%)\n`,
          );
        }
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
    description: "Take the next n WAITING items (default 1): they move to PROCESSING and are printed.",
    examples: ["task-queue get 10 --output json"],
    run: async (queue, [n]) => {
      const items = await queue.get(count(n));
      return { data: Object.fromEntries(items), rows: itemRows(items) };
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
    description: "Move PROCESSING items to SUCCESS; ids in another stage are skipped with the reason.",
    examples: ["task-queue success item-1 item-2"],
    run: async (queue, ids) => {
      const result = await queue.successMany(ids);
      return moveResult(result.moved, result.skipped);
    },
  },
  fail: {
    usage: "fail <ids...>",
    description: "Move PROCESSING items to FAIL; ids in another stage are skipped with the reason.",
    examples: ["task-queue fail item-3"],
    run: async (queue, ids) => {
      const result = await queue.failMany(ids);
      return moveResult(result.moved, result.skipped);
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
    description: "An item: its stage and body.",
    examples: ["task-queue item item-1 --output yaml"],
    run: async (queue, [id]) => {
      const item = await queue.lookupItem(id!);
      const data = { id: item.itemId, stage: stageName(item.status), body: item.itemBody };
      return { data, rows: [{ id: data.id, stage: data.stage, body: JSON.stringify(data.body) }] };
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
        const { openClientQueue } = await import("../wiring/client.js");
        const queue = openClientQueue({ url: settings.url, token: settings.token, queueName });
        try {
          const result = await definition.run(queue, context.options.args as string[], context);
          process.stdout.write(render(result, context.options.output as OutputFormat));
          return 0;
        } finally {
          await queue.close();
        }
      }),
    );
  }
}
