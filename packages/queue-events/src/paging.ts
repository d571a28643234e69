import { InvalidArgument } from "@task-queue/queue-core";
import type { EventPageRequest } from "./event-store.js";

export const DEFAULT_EVENT_PAGE_LIMIT = 100;
export const MAX_EVENT_PAGE_LIMIT = 1_000;

/** Where a page starts: strictly after this (time, id) position. */
export interface EventPosition {
  time: Date;
  id: bigint;
}

export interface NormalizedEventPage {
  since: Date | null;
  limit: number;
  after: EventPosition | null;
}

/** Validates a page request; bad limits, dates and cursors are InvalidArgument. */
export function normalizeEventPage(page: EventPageRequest = {}): NormalizedEventPage {
  const limit = page.limit ?? DEFAULT_EVENT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_PAGE_LIMIT) {
    throw new InvalidArgument("limit", `must be an integer from 1 to ${MAX_EVENT_PAGE_LIMIT}, got ${limit}`);
  }
  const since = page.since ?? null;
  if (since !== null && (!(since instanceof Date) || Number.isNaN(since.getTime()))) {
    throw new InvalidArgument("since", "must be a valid Date");
  }
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  return { since, limit, after };
}

// The cursor is the (time, id) of the last event of a page; base64url so it is one opaque URL-safe token.
export function encodeCursor(position: { time: Date; id: string }): string {
  return Buffer.from(`${position.time.getTime()}.${position.id}`).toString("base64url");
}

function decodeCursor(cursor: string): EventPosition {
  const match = /^(-?\d{1,16})\.(\d{1,20})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new InvalidArgument("cursor", "not a cursor from a previous page");
  return { time: new Date(Number(match[1])), id: BigInt(match[2]!) };
}

/** True when the event at (time, id) comes after the position, in page order. */
export function isAfter(time: Date, id: string, position: EventPosition): boolean {
  const delta = time.getTime() - position.time.getTime();
  return delta > 0 || (delta === 0 && BigInt(id) > position.id);
}

/** Cuts a list that holds up to limit + 1 events into a page. */
export function toPage<E extends { time: Date; id: string }>(
  rows: E[],
  limit: number,
): { events: E[]; nextCursor: string | null } {
  const events = rows.slice(0, limit);
  const last = events[events.length - 1];
  return { events, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** Orders event ids (decimal integer strings) numerically, which is the order they were recorded. */
export function compareEventIds(a: string, b: string): number {
  const delta = BigInt(a) - BigInt(b);
  return delta < 0n ? -1 : delta > 0n ? 1 : 0;
}
