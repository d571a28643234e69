import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { SETTING_KEYS, type SettingKey, settingOf } from "./settings.js";

export type Source = "flag" | "environment" | "file";

/** One raw value and where it came from, so that error messages can say which source to fix. */
export interface RawValue {
  value: unknown;
  source: Source;
}

export type RawSettings = Partial<Record<SettingKey, RawValue>>;

/** A problem with a setting, before or during validation. */
export interface SettingProblem {
  /** The setting, or null when the problem is not about one (e.g. an unreadable file). */
  key: SettingKey | null;
  message: string;
}

/**
 * Settings from the environment. Names match case-insensitively (WORKER_INTERFACE, worker_interface), as pydantic
 * settings did in the system we replace; an empty variable counts as unset.
 */
export function fromEnvironment(env: NodeJS.ProcessEnv, keys: readonly SettingKey[]): RawSettings {
  const byLowerName = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === "") continue;
    const lower = name.toLowerCase();
    // The upper-case spelling wins when both are set: it is the documented one.
    if (!byLowerName.has(lower) || name === name.toUpperCase()) byLowerName.set(lower, value);
  }
  const raw: RawSettings = {};
  for (const key of keys) {
    const value = byLowerName.get(settingOf(key).env.toLowerCase());
    if (value !== undefined) raw[key] = { value, source: "environment" };
  }
  return raw;
}

/** Settings from flags commander parsed (camelCase option names); absent flags are absent. */
export function fromFlags(options: Record<string, unknown>, keys: readonly SettingKey[]): RawSettings {
  const raw: RawSettings = {};
  for (const key of keys) {
    const value = options[camelCase(key)];
    if (value !== undefined) raw[key] = { value, source: "flag" };
  }
  return raw;
}

export function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Settings from a YAML or JSON file (JSON is YAML). Keys are setting names, matched case-insensitively, so the
 * environment variable names work too. Unknown keys are problems: a typo must not be silently ignored.
 */
export function fromFile(path: string): { raw: RawSettings; problems: SettingProblem[] } {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { raw: {}, problems: [{ key: "config", message: `cannot read ${path}: ${reason}` }] };
  }
  if (document === null || document === undefined) return { raw: {}, problems: [] };
  if (typeof document !== "object" || Array.isArray(document)) {
    return { raw: {}, problems: [{ key: "config", message: `${path} must hold a mapping of settings` }] };
  }
  const raw: RawSettings = {};
  const problems: SettingProblem[] = [];
  for (const [name, value] of Object.entries(document)) {
    const key = SETTING_KEYS.find((k) => k === name.toLowerCase() || settingOf(k).env === name.toUpperCase());
    if (key === undefined || key === "config") {
      problems.push({ key: "config", message: `${path}: unknown setting ${JSON.stringify(name)}` });
    } else if (value !== null) raw[key] = { value, source: "file" };
  }
  return { raw, problems };
}
