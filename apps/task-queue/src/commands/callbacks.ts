import { readFile } from "node:fs/promises";
import {
  type CallbackListStatus,
  type CallbackSettings,
  type CallbackSettingsUpdate,
  hasCallbacks,
  type Queue,
  type QueueWithCallbacks,
} from "@task-queue/queue-core";
import { Option } from "commander";
import { CliError, EXIT_USAGE } from "../cli.js";
import type { Result } from "../client/output.js";
import type { ClientCommand } from "./client.js";

function withCallbacks(queue: Queue): QueueWithCallbacks {
  if (!hasCallbacks(queue)) throw new CliError("this client cannot reach completion callbacks");
  return queue;
}

const settingsResult = (settings: CallbackSettings): Result => ({
  data: { url: settings.url, has_secret: settings.hasSecret },
  rows: [{ url: settings.url ?? "(none)", secret: settings.hasSecret ? "set" : "none" }],
});

/** Reads the secret from a file or stdin ("-"), never from the command line, where `ps` and shell history show it. */
async function readSecret(path: string): Promise<string> {
  const text =
    path === "-" ? await new Response(process.stdin as never).text() : await readFile(path, "utf8");
  const secret = text.trim();
  if (secret.length === 0) throw new CliError(`--secret-file ${path} is empty`, EXIT_USAGE);
  return secret;
}

export const callbacksCommand: ClientCommand = {
  usage: "callbacks",
  description:
    "Undelivered completion callbacks of the queue, oldest first: failed (retries ran out, with the last error) and pending (still retried).",
  examples: ["task-queue callbacks", "task-queue callbacks --status failed --output json"],
  options: [
    new Option("--status <status>", "which callbacks").choices(["failed", "pending", "all"]).default("all"),
    new Option("--limit <n>", "at most this many (1–1000, default 100)"),
  ],
  run: async (queue, _args, { options }) => {
    const limit = options.limit === undefined ? undefined : Number(options.limit);
    if (limit !== undefined && !Number.isInteger(limit))
      throw new CliError(`--limit must be a whole number, got ${String(options.limit)}`, EXIT_USAGE);
    const records = await withCallbacks(queue).callbacks({
      status: options.status as CallbackListStatus,
      ...(limit === undefined ? {} : { limit }),
    });
    return {
      data: records,
      rows: records.map((record) => ({
        delivery: record.deliveryId,
        item: record.itemId,
        stage: record.payload.stage,
        status: record.nextAttemptAt === null ? "failed" : "pending",
        tries: String(record.attempts),
        error: record.lastError ?? "",
        url: record.url,
      })),
    };
  },
};

export const resendCallbacksCommand: ClientCommand = {
  usage: "resend-callbacks [ids...]",
  description:
    "Send undelivered callbacks again now, with a fresh retry horizon; --all-failed re-sends every failed one.",
  examples: ["task-queue resend-callbacks 0b5c…", "task-queue resend-callbacks --all-failed"],
  options: [new Option("--all-failed", "re-send every callback whose retries ran out (up to 1000)")],
  run: async (queue, ids, { options }) => {
    const target = withCallbacks(queue);
    const chosen = options.allFailed
      ? (await target.callbacks({ status: "failed", limit: 1000 })).map((record) => record.deliveryId)
      : ids;
    if (chosen.length === 0) {
      if (options.allFailed) return { data: { resent: [], notFound: [] }, rows: [] };
      throw new CliError("give the delivery ids to re-send, or --all-failed", EXIT_USAGE);
    }
    const result = await target.resendCallbacks(chosen);
    return {
      data: result,
      rows: [
        ...result.resent.map((id) => ({ delivery: id, result: "re-sent" })),
        ...result.notFound.map((id) => ({ delivery: id, result: "not found" })),
      ],
      ...(result.notFound.length > 0 ? { exitCode: 1 } : {}),
    };
  },
};

export const callbackSettingsCommand: ClientCommand = {
  usage: "callback-settings",
  description:
    "Show or set the queue's default callback URL and signing secret (stored with the queue; the secret is write-only and never shown).",
  examples: [
    "task-queue callback-settings",
    "task-queue callback-settings --notify-url https://hooks.example.com/done --secret-file ./webhook-secret",
    "task-queue callback-settings --clear-url",
  ],
  options: [
    new Option("--notify-url <url>", "default notify URL of items put without their own"),
    new Option("--clear-url", "remove the default URL").conflicts("notifyUrl"),
    new Option("--secret-file <path>", 'read the signing secret from this file ("-": stdin)'),
    new Option("--clear-secret", "remove the secret (callbacks go unsigned)").conflicts("secretFile"),
  ],
  run: async (queue, _args, { options }) => {
    const target = withCallbacks(queue);
    const update: CallbackSettingsUpdate = {};
    if (options.notifyUrl !== undefined) update.url = String(options.notifyUrl);
    if (options.clearUrl) update.url = null;
    if (options.secretFile !== undefined) update.secret = await readSecret(String(options.secretFile));
    if (options.clearSecret) update.secret = null;
    const settings =
      Object.keys(update).length === 0
        ? await target.callbackSettings()
        : await target.setCallbackSettings(update);
    return settingsResult(settings);
  },
};
