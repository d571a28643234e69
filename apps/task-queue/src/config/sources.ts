import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { envNamesOf, flagsOf, SETTING_KEYS, type SettingKey, settingOf } from "./settings.js";

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

/** An environment name as matched: case-insensitive, `-` as `_` (the Python task-queue's `processing-limit`). */
const normalName = (name: string): string => name.toLowerCase().replaceAll("-", "_");

/**
 * Settings from the environment. Names match case-insensitively (WORKER_INTERFACE, worker_interface), as pydantic
 * settings did in the system we replace, with `-` read as `_` and that system's other names as aliases (e.g.
 * FSSPEC_S3_ENDPOINT_URL, connection-string); an empty variable counts as unset. When a setting is given under
 * two names, its own name wins and `notices` says which was ignored.
 */
export function fromEnvironment(
  env: NodeJS.ProcessEnv,
  keys: readonly SettingKey[],
  source: Source = "environment",
  notices: string[] = [],
): RawSettings {
  const byName = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === "") continue;
    const normal = normalName(name);
    // The upper-case spelling wins when both are set: it is the documented one.
    if (!byName.has(normal) || name === name.toUpperCase()) byName.set(normal, { name, value });
  }
  const raw: RawSettings = {};
  for (const key of keys) {
    const found = envNamesOf(key)
      .map((name) => byName.get(normalName(name)))
      .filter((hit) => hit !== undefined);
    const [first, ...others] = found;
    if (first === undefined) continue;
    raw[key] = { value: first.value, source };
    for (const other of others)
      if (other.value !== first.value)
        notices.push(`${other.name} is ignored: ${first.name} gives ${settingOf(key).env}`);
  }
  return raw;
}

/**
 * A dotenv file (TASK_QUEUE_CONFIG_PATH) as the Python task-queue read it: `KEY=VALUE` lines, `#` comments,
 * optional `export `, values optionally quoted. Names are matched like environment variables; names no setting
 * reads are ignored, as that system ignored them (its files hold settings of other programs too).
 */
export function fromDotenvFile(
  path: string,
  keys: readonly SettingKey[],
  notices: string[] = [],
): { raw: RawSettings; problems: SettingProblem[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { raw: {}, problems: [{ key: "config_path", message: `cannot read ${path}: ${reason}` }] };
  }
  return { raw: fromEnvironment(parseDotenv(text), keys, "file", notices), problems: [] };
}

export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const [, name, rest] = match as unknown as [string, string, string];
    const quoted = /^(["'])(.*)\1(?:\s+#.*)?$/.exec(rest);
    out[name] = quoted ? quoted[2]! : rest.replace(/\s+#.*$/, "");
  }
  return out;
}

/**
 * Settings from flags commander parsed (under commander's attribute names); absent flags are absent. A setting's
 * own flag wins over its other spellings (`--worker_interface`, `--connection-string`).
 */
export function fromFlags(options: Record<string, unknown>, keys: readonly SettingKey[]): RawSettings {
  const raw: RawSettings = {};
  for (const key of keys) {
    const value = flagsOf(key)
      .map((flag) => options[attributeOf(flag)])
      .find((given) => given !== undefined);
    if (value !== undefined) raw[key] = { value, source: "flag" };
  }
  return raw;
}

/** The name commander stores a long flag's value under: `--processing-limit` → processingLimit. */
export function attributeOf(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z0-9])/gi, (_, letter: string) => letter.toUpperCase());
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
