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
export type AddEventData = ItemEventData & {
  body: JsonValue;
  /** The wrapped queue's description when the item was added. */
  description: { implementation: string; arguments: JsonObject };
  /** The options putJobs was given for the item (priority, delaySeconds, runAfter as ISO text, maxAttempts), if any. */
  options?: JsonObject;
};

/**
 * What kind of move, where the stages alone do not tell it:
 * - RETRY: a failed attempt went back to WAITING for another one (PROCESSING → WAITING, with the reason);
 * - RESCUE: a lease expired and the attempt counted as failed (PROCESSING → WAITING, or → FAIL when no attempts
 *   were left; reason "lease expired");
 * - CANCEL: cancelled (WAITING or PROCESSING → FAIL, with the reason);
 * - DELETE: removed from the queue for good; `to` repeats `from` (there is no stage after a delete), and the event
 *   is the last of the item's history unless its id is put again;
 * - REQUEUE: FAIL → WAITING by requeue (attempts reset to 0).
 */
export type MoveAction = "RETRY" | "RESCUE" | "CANCEL" | "DELETE" | "REQUEUE";

/** MOVE: an item changed stage (or, with action DELETE, left the queue). */
export type MoveEventData = ItemEventData & {
  from: StageName;
  to: StageName;
  /** Set where the stages alone do not tell what happened. */
  action?: MoveAction;
  /** Why: a failure's reason (as stored in last_error), "lease expired", a cancel's reason. */
  reason?: string;
  /** WAITING → PROCESSING: the attempt number handed out (the fencing token). */
  attempt?: number;
};

/**
 * The version QueueWithEvents writes for ADD and MOVE data. Version 2 (the job lifecycle) added action, reason and
 * attempt to MOVE, options to ADD, and DELETE moves, whose `to` is not a stage the item is in; version 1 events
 * (written before) have none of these and read the same.
 */
export const ITEM_EVENT_VERSION = 2;
