import type { ItemId } from "@task-queue/queue-core";
import type { Event, NewEvent } from "./event.js";
import type {
  EventPage,
  EventPageRequest,
  EventStore,
  EventTrimRequest,
  FinishedMove,
  FinishedMovesRequest,
} from "./event-store.js";
import { itemKey, validateNewEvents } from "./new-event.js";
import { compareEventIds, isAfter, normalizeEventPage, toPage } from "./paging.js";
import { validateTrimRequest } from "./trim.js";

const historyKey = (queue: string, id: ItemId): string => JSON.stringify([queue, id]);

/** Events held in process memory: for tests, `task-queue dev` without a database, and short-lived tools. */
export class InMemoryEventStore implements EventStore {
  private readonly byName = new Map<string, Event[]>();
  private readonly byItem = new Map<string, Event[]>();
  private lastId = 0n;

  async add(event: NewEvent): Promise<Event> {
    const [stored] = await this.addMany([event]);
    return stored!;
  }

  async addMany(events: readonly NewEvent[]): Promise<Event[]> {
    const valid = validateNewEvents(events);
    const now = new Date();
    const stored = valid.map(
      (event): Event => ({ ...event, id: String(++this.lastId), time: event.time ?? new Date(now) }),
    );
    for (const event of stored) {
      append(this.byName, event.name, event);
      const item = itemKey(event.data);
      if (item) append(this.byItem, historyKey(item.queue, item.id), event);
    }
    return stored.map(copyEvent);
  }

  async readByName(name: string, page?: EventPageRequest): Promise<EventPage> {
    const { since, limit, after } = normalizeEventPage(page);
    const matching = (this.byName.get(name) ?? []).filter(
      (event) =>
        (since === null || event.time >= since) && (after === null || isAfter(event.time, event.id, after)),
    );
    // Times may be given by callers out of order, so sort by (time, id) like the SQL index does.
    matching.sort((a, b) => a.time.getTime() - b.time.getTime() || compareEventIds(a.id, b.id));
    const { events, nextCursor } = toPage(matching.slice(0, limit + 1), limit);
    return { events: events.map(copyEvent), nextCursor };
  }

  async itemHistory(queue: string, id: ItemId): Promise<Event[]> {
    return (this.byItem.get(historyKey(queue, id)) ?? []).map(copyEvent);
  }

  async trim(request: EventTrimRequest): Promise<number> {
    const { name, before, limit } = validateTrimRequest(request);
    const named = this.byName.get(name) ?? [];
    const doomed = named
      .filter((event) => event.time < before)
      .sort((a, b) => a.time.getTime() - b.time.getTime() || compareEventIds(a.id, b.id))
      .slice(0, limit);
    if (doomed.length === 0) return 0;
    const gone = new Set(doomed);
    this.byName.set(
      name,
      named.filter((event) => !gone.has(event)),
    );
    for (const event of doomed) {
      const item = itemKey(event.data);
      if (!item) continue;
      const key = historyKey(item.queue, item.id);
      const left = (this.byItem.get(key) ?? []).filter((kept) => kept !== event);
      if (left.length === 0) this.byItem.delete(key);
      else this.byItem.set(key, left);
    }
    return doomed.length;
  }

  async finishedMoves(request: FinishedMovesRequest): Promise<FinishedMove[]> {
    const { queue, moveName, since } = request;
    const finished: FinishedMove[] = [];
    for (const event of this.byName.get(moveName) ?? []) {
      const { data } = event;
      if (event.time < since || data.queue !== queue || typeof data.id !== "string") continue;
      if (data.to !== "SUCCESS" && data.to !== "FAIL") continue;
      const history = this.byItem.get(historyKey(queue, data.id)) ?? [];
      const handOut = history.findLast(
        (earlier) =>
          earlier.name === moveName &&
          earlier.data.to === "PROCESSING" &&
          compareEventIds(earlier.id, event.id) < 0,
      );
      finished.push({
        id: data.id,
        stage: data.to,
        finishedAt: new Date(event.time),
        startedAt: handOut ? new Date(handOut.time) : null,
        reason: typeof data.reason === "string" ? data.reason : null,
      });
    }
    return finished;
  }
}

function append(index: Map<string, Event[]>, key: string, event: Event): void {
  const list = index.get(key);
  if (list) list.push(event);
  else index.set(key, [event]);
}

// Callers get copies, so they cannot change what the store holds.
function copyEvent(event: Event): Event {
  return structuredClone(event);
}
