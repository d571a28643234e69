const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A duration as a person writes it — "90", "90s", "15m", "1h", "7d", "2w", "1.5h" — in seconds; null if not one. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNITS[(match[2] || "s").toLowerCase()]!;
}
