/**
 * Argo's `fields` parameter: "metadata,items.metadata.name" keeps only those paths (an array applies the rest of
 * the path to each element); a list of "-path" entries removes those paths instead.
 */
type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function keep(value: unknown, paths: string[][]): unknown {
  if (paths.some((path) => path.length === 0) || value === null) return value;
  if (Array.isArray(value)) return value.map((entry) => keep(entry, paths));
  if (!isObject(value)) return undefined;
  const result: JsonObject = {};
  for (const [key, entry] of Object.entries(value)) {
    const rest = paths.filter((path) => path[0] === key).map((path) => path.slice(1));
    if (rest.length === 0) continue;
    const kept = keep(entry, rest);
    if (kept !== undefined) result[key] = kept;
  }
  return result;
}

function drop(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) return value.map((entry) => drop(entry, path));
  if (!isObject(value) || path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (!(head in value)) return value;
  const copy = { ...value };
  if (rest.length === 0) delete copy[head];
  else copy[head] = drop(copy[head], rest);
  return copy;
}

export function applyFieldMask<T>(value: T, fields: string | null): T {
  if (!fields) return value;
  const entries = fields
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const removals = entries.filter((entry) => entry.startsWith("-"));
  if (removals.length > 0) {
    return removals.reduce<unknown>((result, entry) => drop(result, entry.slice(1).split(".")), value) as T;
  }
  return keep(
    value,
    entries.map((entry) => entry.split(".")),
  ) as T;
}
