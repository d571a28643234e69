import { InvalidArgument, InvalidItem, type ItemProblem } from "./errors.js";
import type { JsonValue } from "./json.js";
import type { ItemId, PageRequest } from "./queue.js";

export const MAX_ID_BYTES = 512;
/** Upper bound on one item's body, serialized as JSON (UTF-8 bytes). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Upper bound on n for get and peek. */
export const MAX_GET_N = 10_000;
/** Upper bound (and default) of a lookupState page. */
export const MAX_PAGE_LIMIT = 10_000;
export const DEFAULT_PAGE_LIMIT = 1_000;
export const MAX_QUEUE_NAME_LENGTH = 128;

// C0 controls, DEL and C1 controls: invisible in logs and unsafe in keys and labels.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why an id is not acceptable, or null when it is. */
export function itemIdProblem(id: unknown): string | null {
  if (typeof id !== "string") return `id must be a string, got ${typeof id}`;
  if (id.length === 0) return "id must not be empty";
  const bytes = Buffer.byteLength(id, "utf8");
  if (bytes > MAX_ID_BYTES) return `id is ${bytes} UTF-8 bytes, more than the limit of ${MAX_ID_BYTES}`;
  if (CONTROL_CHARACTERS.test(id)) return "id must not contain control characters";
  if (!id.isWellFormed()) return "id must be well-formed Unicode (no lone surrogates)";
  return null;
}

export function assertItemId(id: unknown): asserts id is ItemId {
  const problem = itemIdProblem(id);
  if (problem !== null) throw new InvalidItem([{ id: String(id), reason: problem }]);
}

/** Validates a list of ids (requeue, successMany, failMany); rejects the whole list naming every bad id. */
export function assertItemIds(ids: unknown): asserts ids is ItemId[] {
  if (!Array.isArray(ids)) throw new InvalidArgument("ids", "must be an array of item ids");
  const problems: ItemProblem[] = [];
  for (const id of ids) {
    const problem = itemIdProblem(id);
    if (problem !== null) problems.push({ id: String(id), reason: problem });
  }
  if (problems.length > 0) throw new InvalidItem(problems);
}

/** Why a value is not a JSON value we accept, or null when it is. Walks the value once; detects cycles. */
export function jsonValueProblem(value: unknown): string | null {
  // The walk is on put's hot path: it keeps only a stack of keys and builds the readable path when it fails.
  const ancestors: object[] = [];
  const keys: Array<string | number> = [];
  const where = (): string => `body${keys.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("")}`;
  const walk = (v: unknown): string | null => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return null;
      case "number":
        return Number.isFinite(v) ? null : `${where()} is ${v}, which JSON cannot represent`;
      case "undefined":
        return `${where()} is undefined, which JSON cannot represent`;
      case "bigint":
        return `${where()} is a BigInt, which JSON cannot represent`;
      case "function":
        return `${where()} is a function, which JSON cannot represent`;
      case "symbol":
        return `${where()} is a symbol, which JSON cannot represent`;
    }
    if (v === null) return null;
    const node = v as object;
    if (ancestors.includes(node)) return `${where()} is a cycle back to an enclosing value`;
    if (Array.isArray(node)) {
      ancestors.push(node);
      for (let i = 0; i < node.length; i++) {
        keys.push(i);
        const problem = walk(node[i]);
        if (problem !== null) return problem;
        keys.pop();
      }
      ancestors.pop();
      return null;
    }
    const proto = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) {
      return `${where()} is a ${proto?.constructor?.name ?? "non-plain"} object; only plain objects and arrays are JSON`;
    }
    ancestors.push(node);
    for (const key in node) {
      keys.push(key);
      const problem = walk((node as Record<string, unknown>)[key]);
      if (problem !== null) return problem;
      keys.pop();
    }
    ancestors.pop();
    return null;
  };
  return walk(value);
}

/** An item that passed validation, with its body already serialized (backends reuse it rather than stringify again). */
export interface ValidItem {
  id: ItemId;
  body: JsonValue;
  json: string;
}

export interface BodyLimits {
  maxBodyBytes?: number;
}

/** The one check of a body every put applies: a JSON value we accept, at most maxBytes as JSON. */
export function storableJson(
  body: unknown,
  maxBytes: number = MAX_BODY_BYTES,
): { json: string } | { problem: string } {
  const problem = jsonValueProblem(body);
  if (problem !== null) return { problem };
  const json = JSON.stringify(body);
  // Byte length only matters near the limit; a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json, "utf8");
    if (bytes > maxBytes)
      return { problem: `body is ${bytes} bytes as JSON, more than the limit of ${maxBytes}` };
  }
  return { json };
}

/**
 * Validates a put batch. Returns the items with their JSON text, in the batch's order; throws InvalidItem naming
 * every bad id and why when any item is invalid, so that nothing of the batch is written.
 */
export function validatePutBatch(items: unknown, limits: BodyLimits = {}): ValidItem[] {
  if (typeof items !== "object" || items === null || Array.isArray(items)) {
    throw new InvalidArgument("items", "must be an object of item id → JSON body");
  }
  const maxBytes = limits.maxBodyBytes ?? MAX_BODY_BYTES;
  const valid: ValidItem[] = [];
  const problems: ItemProblem[] = [];
  for (const [id, body] of Object.entries(items as Record<string, unknown>)) {
    const idProblem = itemIdProblem(id);
    if (idProblem !== null) {
      problems.push({ id, reason: idProblem });
      continue;
    }
    const checked = storableJson(body, maxBytes);
    if ("problem" in checked) {
      problems.push({ id, reason: checked.problem });
      continue;
    }
    const { json } = checked;
    valid.push({ id, body: body as JsonValue, json });
  }
  if (problems.length > 0) throw new InvalidItem(problems);
  return valid;
}

/** Validates n for get/peek: an integer from 0 to max. */
export function assertCount(n: unknown, max: number = MAX_GET_N, name = "n"): asserts n is number {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new InvalidArgument(name, `must be an integer, got ${JSON.stringify(n) ?? String(n)}`);
  }
  if (n < 0) throw new InvalidArgument(name, `must be 0 or more, got ${n}`);
  if (n > max) throw new InvalidArgument(name, `must be at most ${max}, got ${n}`);
}

/** Normalises a lookupState page request; undefined means every id of the stage in one answer. */
export function normalizePage(
  page: PageRequest | undefined,
): { limit: number; cursor: string | null } | null {
  if (page === undefined) return null;
  const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new InvalidArgument("limit", `must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  }
  const cursor = page.cursor ?? null;
  if (cursor !== null && typeof cursor !== "string") throw new InvalidArgument("cursor", "must be a string");
  return { limit, cursor: cursor === "" ? null : cursor };
}

export function queueNameProblem(name: unknown): string | null {
  if (typeof name !== "string" || name.length === 0) return "queue name must be a non-empty string";
  if (name.length > MAX_QUEUE_NAME_LENGTH)
    return `queue name must be at most ${MAX_QUEUE_NAME_LENGTH} characters`;
  if (!QUEUE_NAME.test(name)) {
    return "queue name must start with a letter or digit and hold only letters, digits, '.', '_' and '-'";
  }
  return null;
}

export function assertQueueName(name: unknown): asserts name is string {
  const problem = queueNameProblem(name);
  if (problem !== null) throw new InvalidArgument("queue_name", `${problem}, got ${JSON.stringify(name)}`);
}

/** Normalises requeue's argument (one id or a list) into a list of validated ids without repeats. */
export function idList(ids: ItemId | readonly ItemId[]): ItemId[] {
  const list = typeof ids === "string" ? [ids] : ids;
  assertItemIds(list);
  return [...new Set(list)];
}
