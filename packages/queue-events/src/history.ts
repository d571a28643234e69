import { type HistoryEntry, isStageName } from "@task-queue/queue-core";
import type { Event } from "./event.js";
import type { EventNames } from "./event-names.js";

/** An item's events as the timeline the API and dashboard show; events of other names are not part of it. */
export function historyEntries(events: readonly Event[], names: EventNames): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const event of events) {
    const base = { eventId: event.id, time: event.time.toISOString() };
    if (event.name === names.add) {
      entries.push({ ...base, kind: "ADD", from: null, to: "WAITING" });
    } else if (event.name === names.move) {
      const { from, to } = event.data;
      if (isStageName(from) && isStageName(to)) entries.push({ ...base, kind: "MOVE", from, to });
    }
  }
  return entries;
}
