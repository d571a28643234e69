import { type HistoryEntry, isStageName } from "@task-queue/queue-core";
import type { Event } from "./event.js";
import type { EventNames } from "./event-names.js";

/**
 * An item's events as the timeline the API and dashboard show; events of other names are not part of it. A MOVE's
 * `reason` and `action` (event version 2) are copied when present; version 1 events have neither.
 */
export function historyEntries(events: readonly Event[], names: EventNames): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const event of events) {
    const base = { eventId: event.id, time: event.time.toISOString() };
    if (event.name === names.add) {
      entries.push({ ...base, kind: "ADD", from: null, to: "WAITING" });
    } else if (event.name === names.move) {
      const { from, to, reason, action } = event.data;
      if (!isStageName(from) || !isStageName(to)) continue;
      const entry: HistoryEntry = { ...base, kind: "MOVE", from, to };
      if (typeof reason === "string") entry.reason = reason;
      if (typeof action === "string") entry.action = action;
      entries.push(entry);
    }
  }
  return entries;
}
