import type { ItemId } from "@task-queue/queue-core";
import type { Event, NewEvent } from "./event.js";

/** A page request for readByName: events at or after `since`, at most `limit`, continuing after `cursor`. */
export interface EventPageRequest {
  since?: Date;
  limit?: number;
  /** Opaque, from the previous page's nextCursor. */
  cursor?: string;
}

/** A page of events, oldest first; nextCursor is null on the last page. */
export interface EventPage {
  events: Event[];
  nextCursor: string | null;
}

/** Which events trim removes: those with this name recorded before `before`, oldest first, at most `limit`. */
export interface EventTrimRequest {
  name: string;
  before: Date;
  limit: number;
}

/** Which finishes finishedMoves reads: one queue's moves (events named `moveName`) at or after `since`. */
export interface FinishedMovesRequest {
  queue: string;
  moveName: string;
  since: Date;
}

/** A move to SUCCESS or FAIL, with when the attempt it ended was handed out (null: never handed out, e.g. cancelled while WAITING). */
export interface FinishedMove {
  id: string;
  stage: "SUCCESS" | "FAIL";
  finishedAt: Date;
  startedAt: Date | null;
  reason: string | null;
}

/**
 * Where events are kept. Every implementation passes the conformance suite in `@task-queue/queue-events/testing`.
 */
export interface EventStore {
  /** Records one event and returns it as stored (with its id and time). */
  add(event: NewEvent): Promise<Event>;
  /** Records many events at once, all or none, ids increasing in the order given. */
  addMany(events: readonly NewEvent[]): Promise<Event[]>;
  /**
   * Events with this name whose time is at or after `since`, oldest first (by time, then id). Reading every page
   * yields each matching event exactly once (events added meanwhile with a later time show up on later pages).
   */
  readByName(name: string, page?: EventPageRequest): Promise<EventPage>;
  /** Every event whose data names this queue and item (data.queue, data.id), in the order they were recorded. */
  itemHistory(queue: string, id: ItemId): Promise<Event[]>;
  /**
   * Removes up to `limit` events of one name whose time is before `before`, oldest first (by time, then id), and
   * returns how many it removed: retention in batches, each one short statement on SQL (the name-time index).
   */
  trim(request: EventTrimRequest): Promise<number>;
  /**
   * The moves of one queue's items to SUCCESS or FAIL recorded at or after `since`, each with the time of the latest
   * move to PROCESSING before it (the hand-out of the attempt it ended): what stats from history are made of.
   */
  finishedMoves(request: FinishedMovesRequest): Promise<FinishedMove[]>;
}
