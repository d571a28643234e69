import type { JsonValue } from "@task-queue/queue-core";

/** Amounts per resource name, e.g. { gpu: 1, mem_gb: 16 }. */
export type ResourceAmounts = Record<string, number>;

export type ResourceRequest = { ok: true; amounts: ResourceAmounts } | { ok: false; problem: string };

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What an item asks for of the limited resources: `body[resourceKey][name]` for each limited name. An item with
 * no such field (or a body that is not an object) asks for nothing; resources that are not limited are ignored.
 */
export function resourceRequest(
  body: JsonValue,
  resourceKey: string,
  limited: readonly string[],
): ResourceRequest {
  const field = isObject(body) ? body[resourceKey] : undefined;
  if (field === undefined || field === null) return { ok: true, amounts: {} };
  if (!isObject(field)) return { ok: false, problem: `${resourceKey} is not an object` };
  const amounts: ResourceAmounts = {};
  for (const name of limited) {
    const value = field[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
      return { ok: false, problem: `${resourceKey}.${name} is not a number ≥ 0` };
    amounts[name] = value;
  }
  return { ok: true, amounts };
}

export function addAmounts(total: ResourceAmounts, more: ResourceAmounts): void {
  for (const [name, value] of Object.entries(more)) total[name] = (total[name] ?? 0) + value;
}

/** True when total + more stays within every limit. */
export function fitsWithin(total: ResourceAmounts, more: ResourceAmounts, limits: ResourceAmounts): boolean {
  return Object.entries(more).every(
    ([name, value]) => (total[name] ?? 0) + value <= (limits[name] ?? Infinity),
  );
}
