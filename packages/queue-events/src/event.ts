import type { ItemId, JsonObject, JsonValue, StageName } from "@task-queue/queue-core";

/**
 * One recorded fact. `id` is a decimal integer string, increasing in the order the store recorded the events
 * (compare with BigInt, not as text); `time` has millisecond precision.
 */
export interface Event {
  id: string;
  name: string;
  version: number;
  time: Date;
  data: JsonObject;
  metadata: JsonObject;
}

/** An event to record: the store assigns the id, and the time unless one is given. */
export interface NewEvent {
  name: string;
  /** Schema version of `data` (default 1). */
  version?: number;
  time?: Date;
  data: JsonObject;
  metadata?: JsonObject;
}

/** The data of an event about one item of one queue: these two fields make it part of the item's history. */
export interface ItemEventData extends JsonObject {
  queue: string;
  id: ItemId;
}

/** ADD: an item entered the queue (WAITING). */
export interface AddEventData extends ItemEventData {
  body: JsonValue;
  /** The wrapped queue's description when the item was added. */
  description: { implementation: string; arguments: JsonObject };
}

/** MOVE: an item changed stage. */
export interface MoveEventData extends ItemEventData {
  from: StageName;
  to: StageName;
}

/** The version QueueWithEvents writes for ADD and MOVE data. */
export const ITEM_EVENT_VERSION = 1;
