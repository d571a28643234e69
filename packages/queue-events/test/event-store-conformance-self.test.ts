// The event-store suite is only worth something if it fails broken stores. Each store below breaks one rule, and
// the case that specifies that rule must reject it.
import type { ItemId } from "@task-queue/queue-core";
import { suiteFailure } from "@task-queue/queue-core/testing";
import { describe, expect, it } from "vitest";
import {
  type Event,
  type EventPage,
  type EventPageRequest,
  type EventTrimRequest,
  type FinishedMove,
  type FinishedMovesRequest,
  InMemoryEventStore,
  type NewEvent,
} from "../src/index.js";
import { type EventStoreCase, eventStoreCases, uniqueNames } from "../src/testing/index.js";

function caseNamed(fragment: string): EventStoreCase {
  const found = eventStoreCases.find((c) => c.name.includes(fragment));
  if (!found) throw new Error(`no event store case mentions ${fragment}`);
  return found;
}

async function fails(testCase: EventStoreCase, store: InMemoryEventStore): Promise<unknown> {
  try {
    await testCase.run(store, uniqueNames());
  } catch (error) {
    return error;
  }
  return null;
}

class NewestFirstHistory extends InMemoryEventStore {
  override async itemHistory(queue: string, id: ItemId): Promise<Event[]> {
    return (await super.itemHistory(queue, id)).reverse();
  }
}

class IgnoresSince extends InMemoryEventStore {
  override readByName(name: string, page: EventPageRequest = {}): Promise<EventPage> {
    const { since: _ignored, ...rest } = page;
    return super.readByName(name, rest);
  }
}

/** Pages overlap by one event: the cursor is treated as inclusive. */
class OverlappingPages extends InMemoryEventStore {
  private readonly pageStarts = new Map<string, Event>();
  override async readByName(name: string, page: EventPageRequest = {}): Promise<EventPage> {
    const result = await super.readByName(name, page);
    const previousLast = page.cursor ? this.pageStarts.get(page.cursor) : undefined;
    if (result.nextCursor) this.pageStarts.set(result.nextCursor, result.events.at(-1)!);
    return previousLast ? { ...result, events: [previousLast, ...result.events] } : result;
  }
}

class WritesValidPart extends InMemoryEventStore {
  override async addMany(events: readonly NewEvent[]): Promise<Event[]> {
    const stored: Event[] = [];
    for (const event of events) {
      try {
        stored.push(...(await super.addMany([event])));
      } catch {}
    }
    return stored;
  }
}

class SharesObjects extends InMemoryEventStore {
  private readonly kept: Event[] = [];
  override async add(event: NewEvent): Promise<Event> {
    const stored = await super.add(event);
    const shared = { ...stored, data: event.data };
    this.kept.push(shared);
    return shared;
  }
  override async itemHistory(): Promise<Event[]> {
    return this.kept;
  }
}

/** Keeps a short text column's worth of data: strings longer than 4,000 characters are cut (a varchar(4000)). */
class CutsLongText extends InMemoryEventStore {
  override addMany(events: readonly NewEvent[]): Promise<Event[]> {
    const cut = (value: unknown): unknown => (typeof value === "string" ? value.slice(0, 4_000) : value);
    return super.addMany(
      events.map((event) => ({
        ...event,
        data: Object.fromEntries(Object.entries(event.data).map(([k, v]) => [k, cut(v)])) as NewEvent["data"],
      })),
    );
  }
}

/** Trims the oldest events whatever their age. */
class IgnoresTrimAge extends InMemoryEventStore {
  override trim(request: EventTrimRequest): Promise<number> {
    return super.trim({ ...request, before: new Date("9999-01-01T00:00:00Z") });
  }
}

/** Trims every old event, whatever the limit. */
class IgnoresTrimLimit extends InMemoryEventStore {
  override trim(request: EventTrimRequest): Promise<number> {
    return super.trim({ ...request, limit: Number.MAX_SAFE_INTEGER });
  }
}

/** Measures a finish from the item's first hand-out, not from the attempt that finished. */
class MeasuresFromFirstHandOut extends InMemoryEventStore {
  override async finishedMoves(request: FinishedMovesRequest): Promise<FinishedMove[]> {
    const moves = await super.finishedMoves(request);
    return Promise.all(
      moves.map(async (move) => {
        const history = await this.itemHistory(request.queue, move.id);
        const first = history.find(
          (event) => event.name === request.moveName && event.data.to === "PROCESSING",
        );
        return { ...move, startedAt: first ? first.time : null };
      }),
    );
  }
}

/** The suite's own assertion with which the case mentioning `fragment` fails the broken store. */
const failureOf = (fragment: string, store: InMemoryEventStore) =>
  suiteFailure(() => caseNamed(fragment).run(store, uniqueNames()));

describe("the event store conformance suite rejects broken stores", () => {
  it("passes a correct store (the control)", async () => {
    for (const testCase of eventStoreCases) {
      expect(await fails(testCase, new InMemoryEventStore()), testCase.name).toBeNull();
    }
  });

  it("fails a store whose history is newest first", async () => {
    const failure = await failureOf("itemHistory holds", new NewestFirstHistory());
    expect(failure).toMatchObject({ actual: [3, 2, 1], expected: [1, 2, 3] });
  });

  it("fails a store that ignores since", async () => {
    const failure = await failureOf("since keeps", new IgnoresSince());
    expect(failure).toMatchObject({ actual: [1, 2, 3, 4], expected: [2, 3, 4] });
  });

  it("fails a store whose pages overlap", async () => {
    const failure = await failureOf("pages cover", new OverlappingPages());
    expect(failure.message).toBe("a page holds at most limit events");
  });

  it("fails a store that writes the valid part of a bad batch", async () => {
    const failure = await failureOf("one bad event", new WritesValidPart());
    expect(failure.message).toBe("Missing expected rejection (InvalidArgument).");
  });

  it("fails a store that keeps the caller's objects", async () => {
    const failure = await failureOf("does not change the store", new SharesObjects());
    expect(failure).toMatchObject({ actual: [1, 2], expected: [1] });
  });

  it("fails a store that trims young events", async () => {
    const failure = await failureOf("trim removes", new IgnoresTrimAge());
    expect(failure).toMatchObject({ actual: 2, expected: 1 });
  });

  it("fails a store that trims past the limit", async () => {
    const failure = await failureOf("trim removes", new IgnoresTrimLimit());
    expect(failure).toMatchObject({ actual: 3, expected: 2 });
  });

  it("fails a store that measures a retried item from its first hand-out", async () => {
    const failure = await failureOf("finishedMoves lists", new MeasuresFromFirstHandOut());
    expect(failure).toMatchObject({
      expected: { id: "retried", startedAt: new Date("2024-04-01T00:00:20.000Z") },
    });
  });

  it("fails a store that cuts a reason at the limit", async () => {
    expect(await fails(caseNamed("lifecycle moves keep"), new CutsLongText())).not.toBeNull();
  });
});
