import { defaultOf, flagOf, SETTING_KEYS, settingOf } from "./settings.js";

const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function defaultText(value: unknown): string {
  if (value === undefined) return "";
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

/** Cells padded to their column's width, as Biome formats Markdown tables, so the README can hold it verbatim. */
function alignedTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, 3, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/**
 * The README's configuration table, produced from the settings table so the two never disagree
 * (`task-queue config --markdown`).
 */
export function settingsMarkdown(): string {
  const rows = SETTING_KEYS.map((key) => {
    const setting = settingOf(key);
    const secret = setting.secret ? " Secret: never logged." : "";
    const original = setting.original ? ` The Python task-queue's default: ${setting.original}.` : "";
    return [
      `\`${setting.env}\``,
      `\`${flagOf(key)}\``,
      defaultText(defaultOf(key)),
      setting.group,
      `${cell(setting.description)}${secret}${cell(original)}`,
    ];
  });
  return `${alignedTable(["Environment variable", "Flag", "Default", "Used by", "Description"], rows)}\n`;
}
