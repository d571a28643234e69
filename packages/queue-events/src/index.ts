export type { AddEventData, Event, ItemEventData, MoveEventData, NewEvent } from "./event.js";
export { ITEM_EVENT_VERSION } from "./event.js";
export { type EventNames, type EventNamesOption, resolveEventNames } from "./event-names.js";
export type {
  EventPage,
  EventPageRequest,
  EventStore,
  EventTrimRequest,
  FinishedMove,
  FinishedMovesRequest,
} from "./event-store.js";
export { InMemoryEventStore } from "./in-memory-event-store.js";
export { type QueueNamespaceWithEvents, withEvents } from "./namespace.js";
export { DEFAULT_EVENT_PAGE_LIMIT, MAX_EVENT_PAGE_LIMIT } from "./paging.js";
export { QueueWithEvents, type QueueWithEventsOptions } from "./queue-with-events.js";
export type { TransactionalEventStore, TransactionalQueue } from "./transactional.js";
