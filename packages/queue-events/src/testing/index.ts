import { afterAll, beforeAll, describe, it } from "vitest";
import type { EventStore } from "../event-store.js";
import { type EventStoreCase, eventStoreCases, uniqueNames } from "./cases.js";

export { type EventStoreCase, eventStoreCases, uniqueNames };

export interface EventStoreFixture {
  store: EventStore;
  /** Called after the last case, e.g. to drop the table and close the connection. */
  dispose?: () => Promise<void>;
}

/**
 * Registers the event-store conformance suite with vitest. All cases share the one store the factory makes; each
 * case uses its own event and queue names, so the store need not be empty.
 */
export function runEventStoreConformance(
  label: string,
  factory: () => Promise<EventStoreFixture> | EventStoreFixture,
  options: { timeoutMs?: number } = {},
): void {
  describe(`${label}: event store conformance`, () => {
    let fixture: EventStoreFixture | undefined;
    beforeAll(async () => {
      fixture = await factory();
    }, options.timeoutMs ?? 60_000);
    afterAll(async () => {
      await fixture?.dispose?.();
    });
    for (const testCase of eventStoreCases) {
      it(
        testCase.name,
        async () => {
          if (!fixture) throw new Error("the event store fixture was not created");
          await testCase.run(fixture.store, uniqueNames());
        },
        options.timeoutMs ?? 30_000,
      );
    }
  });
}
