import type { z } from "zod";
import { configNotices, configSchema, describeIssue, type Settings } from "./schema.js";
import { SETTING_KEYS, SETTINGS, type SettingGroup, type SettingKey } from "./settings.js";
import {
  fromDotenvFile,
  fromEnvironment,
  fromFile,
  fromFlags,
  type RawSettings,
  type SettingProblem,
} from "./sources.js";

/** A configuration that cannot run: the CLI prints `problems` (one line per setting) and exits with code 2. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Which settings the command reads. */
  groups: readonly SettingGroup[];
  /** Further single settings the command reads. */
  extraKeys?: readonly SettingKey[];
  /** Parsed commander options (camelCase). */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /**
   * The command's own defaults (e.g. `dev` runs a processing limit), computed from what the sources gave so a
   * default never contradicts a given setting; sources override them.
   */
  defaults?: (given: RawSettings) => Partial<Record<SettingKey, unknown>>;
  /** Check the rules between settings (default true); `task-queue config` only shows them. */
  rules?: boolean;
}

export interface LoadedConfig {
  settings: Settings;
  /** The settings this command reads, for logging. */
  keys: SettingKey[];
  /** Where each given value came from. */
  sources: RawSettings;
  /** Given settings that another overrides, or names that were ignored: to log as warnings at start. */
  notices: string[];
}

export function keysFor(groups: readonly SettingGroup[], extra: readonly SettingKey[] = []): SettingKey[] {
  return SETTING_KEYS.filter((key) => groups.includes(SETTINGS[key].group) || extra.includes(key));
}

/**
 * Reads flags > environment > config file (TASK_QUEUE_CONFIG) > dotenv file (TASK_QUEUE_CONFIG_PATH) > defaults,
 * and validates the whole with one schema.
 */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const groups: SettingGroup[] = ["general", ...options.groups];
  const keys = keysFor(groups, options.extraKeys);
  const notices: string[] = [];
  const flags = fromFlags(options.flags, keys);
  const env = fromEnvironment(options.env, keys, "environment", notices);
  const problems: SettingProblem[] = [];
  let dotenv: RawSettings = {};
  const dotenvPath = (flags.config_path ?? env.config_path)?.value;
  if (typeof dotenvPath === "string" && dotenvPath !== "") {
    const read = fromDotenvFile(dotenvPath, keys, notices);
    problems.push(...read.problems);
    dotenv = read.raw;
  }
  let file: RawSettings = {};
  const configPath = (flags.config ?? env.config)?.value;
  if (typeof configPath === "string" && configPath !== "") {
    const read = fromFile(configPath);
    problems.push(...read.problems);
    // The file may hold settings for other commands too; each command takes its own.
    file = Object.fromEntries(Object.entries(read.raw).filter(([key]) => keys.includes(key as SettingKey)));
  }
  const merged: RawSettings = { ...dotenv, ...file, ...env, ...flags };
  const input: Record<string, unknown> = { ...options.defaults?.(merged) };
  for (const [key, raw] of Object.entries(merged)) input[key] = raw.value;

  const parsed = configSchema(options.rules === false ? [] : groups).safeParse(input);
  if (!parsed.success) problems.push(...issuesToProblems(parsed.error, merged));
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(problems.map((p) => describeIssue(p.key, p.message)));
  }
  const given = new Set(Object.keys(merged) as SettingKey[]);
  notices.push(...configNotices(parsed.data, given, options.rules === false ? [] : groups));
  return { settings: parsed.data, keys, sources: merged, notices };
}

function issuesToProblems(error: z.ZodError, merged: RawSettings): SettingProblem[] {
  return error.issues.map((issue) => {
    const key = issue.path[0] as SettingKey | undefined;
    if (key === undefined) return { key: null, message: issue.message };
    const source = merged[key]?.source;
    // Never echo the value: it may be a secret.
    return { key, message: source ? `${issue.message} (from ${source})` : issue.message };
  });
}
