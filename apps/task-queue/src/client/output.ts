import type { ItemRecord } from "@task-queue/queue-core";
import { stringify } from "yaml";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What a client command shows: the data as such (json, yaml) and as rows of text (table). */
export interface Result {
  data: unknown;
  rows: Array<Record<string, string>>;
  /** The command's exit code when it ran but its check failed (e2e); default 0. */
  exitCode?: number;
}

const text = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** A plain aligned table: columns from the keys of the rows, in first-seen order. */
export function renderTable(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return "(none)\n";
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => (row[c] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((c) => c.toUpperCase())), ...rows.map((row) => line(columns.map((c) => row[c] ?? "")))].join("\n")}\n`;
}

export function render(result: Result, format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify(result.data, null, 2)}\n`;
  if (format === "yaml") return stringify(result.data);
  return renderTable(result.rows);
}

/** Rows for a list of [id, body] pairs. */
export function itemRows(items: Array<[string, unknown]>): Array<Record<string, string>> {
  return items.map(([id, body]) => ({ id, body: text(body) }));
}

export function recordRows(record: Record<string, unknown>, keyName = "key", valueName = "value") {
  return Object.entries(record).map(([key, value]) => ({ [keyName]: key, [valueName]: text(value) }));
}

/** An item's record as the commands print it (snake_case, times in ISO 8601), for item, list, report and archives. */
export function recordData(record: ItemRecord) {
  return {
    id: record.itemId,
    stage: record.stage,
    body: record.body,
    attempts: record.attempts,
    max_attempts: record.maxAttempts,
    priority: record.priority,
    run_after: record.runAfter?.toISOString() ?? null,
    lease_expires_at: record.leaseExpiresAt?.toISOString() ?? null,
    last_error: record.lastError,
    result: record.result,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
