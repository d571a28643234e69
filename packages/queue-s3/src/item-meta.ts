import type { JsonValue } from "@task-queue/queue-core";

/**
 * The lifecycle fields of one stored item. The small ones live in the object's user metadata (S3 allows 2 KB of it,
 * and a HEAD returns it, so a lookup needs no GET); last_error (≤ 8 KiB) and result (≤ 64 KiB) live in the body,
 * which then is an envelope `{"body", "last_error", "result"}` (flagged by x-amz-meta-tq-envelope). An object without
 * these fields (the layout before the lifecycle, or an item that never failed or succeeded with a result) is a plain
 * JSON body with default fields.
 */
export interface ItemMeta {
  /** How often get claimed the item; only grows (see resolve-copies.ts and object-body.ts). */
  seq: number;
  /** Hand-outs in the current round (requeue resets it); the attempt number of the latest hand-out. */
  attempts: number;
  maxAttempts: number;
  /** ms since the epoch; null: no lease. */
  leaseExpiresAt: number | null;
  /** ms since the epoch; null when an object from before the lifecycle does not say. */
  createdAt: number | null;
  updatedAt: number | null;
  /** The body is an envelope holding last_error and result. */
  envelope: boolean;
  /** The W3C traceparent of the put, when it was traced: the job's span links to it, on every attempt. */
  traceContext: string | null;
}

export const SEQ_METADATA = "tq-seq";
const ATTEMPTS = "tq-attempts";
const MAX_ATTEMPTS = "tq-max-attempts";
const LEASE = "tq-lease";
const CREATED = "tq-created";
const UPDATED = "tq-updated";
const ENVELOPE = "tq-envelope";
const TRACE_CONTEXT = "tq-traceparent";

function count(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

function time(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Reads the fields from user metadata; missing ones take the defaults (`maxAttempts`: the queue's). */
export function readMeta(metadata: Record<string, string> | undefined, maxAttempts: number): ItemMeta {
  const m = metadata ?? {};
  return {
    seq: count(m[SEQ_METADATA], 0),
    attempts: count(m[ATTEMPTS], 0),
    maxAttempts: Math.max(1, count(m[MAX_ATTEMPTS], maxAttempts)),
    leaseExpiresAt: time(m[LEASE]),
    createdAt: time(m[CREATED]),
    updatedAt: time(m[UPDATED]),
    envelope: m[ENVELOPE] === "1",
    traceContext: m[TRACE_CONTEXT] ?? null,
  };
}

/** The user metadata that stores `meta`. */
export function metaHeaders(meta: ItemMeta): Record<string, string> {
  return {
    [SEQ_METADATA]: String(meta.seq),
    [ATTEMPTS]: String(meta.attempts),
    [MAX_ATTEMPTS]: String(meta.maxAttempts),
    ...(meta.leaseExpiresAt === null ? {} : { [LEASE]: String(meta.leaseExpiresAt) }),
    ...(meta.createdAt === null ? {} : { [CREATED]: String(meta.createdAt) }),
    ...(meta.updatedAt === null ? {} : { [UPDATED]: String(meta.updatedAt) }),
    ...(meta.envelope ? { [ENVELOPE]: "1" } : {}),
    ...(meta.traceContext === null ? {} : { [TRACE_CONTEXT]: meta.traceContext }),
  };
}

/** What the body of a stored object holds. */
export interface ItemContent {
  /** The item's JSON text (exactly as put wrote it, for a plain body). */
  bodyJson: string;
  body: JsonValue;
  lastError: string | null;
  result: JsonValue | null;
}

interface Envelope {
  body: JsonValue;
  last_error?: string | null;
  result?: JsonValue | null;
}

/** Decodes an object's text (trailing whitespace included: JSON ignores it). */
export function decodeContent(text: string, envelope: boolean): ItemContent {
  const parsed = JSON.parse(text) as JsonValue;
  if (!envelope) return { bodyJson: text, body: parsed, lastError: null, result: null };
  const wrapped = parsed as unknown as Envelope;
  return {
    bodyJson: JSON.stringify(wrapped.body),
    body: wrapped.body,
    lastError: wrapped.last_error ?? null,
    result: wrapped.result ?? null,
  };
}

/**
 * The text to store for an item: its plain JSON when it has neither last_error nor result (as before the
 * lifecycle), else the envelope. `resultJson` is the result's JSON text.
 */
export function encodeContent(
  bodyJson: string,
  lastError: string | null,
  resultJson: string | null,
): { json: string; envelope: boolean } {
  if (lastError === null && resultJson === null) return { json: bodyJson, envelope: false };
  const body = bodyJson.replace(/[ \t\n\r]+$/, "");
  return {
    json: `{"body":${body},"last_error":${JSON.stringify(lastError)},"result":${resultJson ?? "null"}}`,
    envelope: true,
  };
}
