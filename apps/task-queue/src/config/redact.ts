import { REDACTED } from "@task-queue/queue-core";
import type { Settings } from "./schema.js";
import { type SettingKey, settingOf } from "./settings.js";

export { redactUrlsIn } from "@task-queue/queue-core";

/**
 * A URL fit for logs: the password, and query parameters that look like secrets, replaced. (queue-sql has the
 * same for connection strings, but loading it costs every command, even `--help`, most of a second.)
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  if (url.password !== "") url.password = REDACTED;
  for (const key of [...url.searchParams.keys()])
    if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, REDACTED);
  return url.toString().replaceAll("%2A%2A%2A", REDACTED);
}

/** The effective configuration fit for a log line: secrets replaced, passwords inside URLs replaced. */
export function redactedSettings(settings: Settings, keys: readonly SettingKey[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = settings[key];
    if (value === undefined) continue;
    const secret = settingOf(key).secret;
    if (secret === true) out[key] = REDACTED;
    else if (secret === "url" && typeof value === "string") out[key] = redactUrl(value);
    else out[key] = value;
  }
  return out;
}
