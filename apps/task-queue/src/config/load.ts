import type { z } from "zod";
import { configSchema, describeIssue, type Settings } from "./schema.js";
import { SETTING_KEYS, SETTINGS, type SettingGroup, type SettingKey } from "./settings.js";
import { fromEnvironment, fromFile, fromFlags, type RawSettings, type SettingProblem } from "./sources.js";

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
}

export function keysFor(groups: readonly SettingGroup[], extra: readonly SettingKey[] = []): SettingKey[] {
  return SETTING_KEYS.filter((key) => groups.includes(SETTINGS[key].group) || extra.includes(key));
}

/** Reads flags > environment > config file > defaults, and validates the whole with one schema. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const groups: SettingGroup[] = ["general", ...options.groups];
  const keys = keysFor(groups, options.extraKeys);
  const flags = fromFlags(options.flags, keys);
  const env = fromEnvironment(options.env, keys);
  const problems: SettingProblem[] = [];
  let file: RawSettings = {};
  const configPath = (flags.config ?? env.config)?.value;
  if (typeof configPath === "string" && configPath !== "") {
    const read = fromFile(configPath);
    problems.push(...read.problems);
    // The file may hold settings for other commands too; each command takes its own.
    file = Object.fromEntries(Object.entries(read.raw).filter(([key]) => keys.includes(key as SettingKey)));
  }
  const merged: RawSettings = { ...file, ...env, ...flags };
  const input: Record<string, unknown> = { ...options.defaults?.(merged) };
  for (const [key, raw] of Object.entries(merged)) input[key] = raw.value;

  const parsed = configSchema(options.rules === false ? [] : groups).safeParse(input);
  if (!parsed.success) problems.push(...issuesToProblems(parsed.error, merged));
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(problems.map((p) => describeIssue(p.key, p.message)));
  }
  return { settings: parsed.data, keys, sources: merged };
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
