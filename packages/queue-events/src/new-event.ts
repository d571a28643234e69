import { InvalidArgument, type JsonObject, jsonValueProblem } from "@task-queue/queue-core";
import type { NewEvent } from "./event.js";

/** A NewEvent that passed validation, with its own copies of data and metadata. */
export interface ValidEvent {
  name: string;
  version: number;
  time: Date | null;
  data: JsonObject;
  metadata: JsonObject;
}

const MAX_NAME_LENGTH = 200;

function jsonObjectCopy(value: unknown, field: string, index: number): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgument(`events[${index}].${field}`, "must be a JSON object");
  }
  const problem = jsonValueProblem(value);
  if (problem !== null) throw new InvalidArgument(`events[${index}].${field}`, problem);
  // A copy, so later changes to the caller's object do not reach the store.
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** Checks every event before any is written, so a bad batch is rejected whole. */
export function validateNewEvents(events: readonly NewEvent[]): ValidEvent[] {
  if (!Array.isArray(events)) throw new InvalidArgument("events", "must be an array");
  return events.map((event, index) => {
    const { name, version = 1, time } = event;
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH) {
      throw new InvalidArgument(
        `events[${index}].name`,
        `must be a string of 1 to ${MAX_NAME_LENGTH} characters`,
      );
    }
    if (!Number.isInteger(version) || version < 1 || version > 2 ** 31 - 1) {
      throw new InvalidArgument(`events[${index}].version`, "must be a positive integer");
    }
    if (time !== undefined && (!(time instanceof Date) || Number.isNaN(time.getTime()))) {
      throw new InvalidArgument(`events[${index}].time`, "must be a valid Date");
    }
    return {
      name,
      version,
      time: time === undefined ? null : new Date(time.getTime()),
      data: jsonObjectCopy(event.data, "data", index),
      metadata: jsonObjectCopy(event.metadata ?? {}, "metadata", index),
    };
  });
}

/** The queue and item an event is about, when its data names both (data.queue and data.id, non-empty strings). */
export function itemKey(data: JsonObject): { queue: string; id: string } | null {
  const { queue, id } = data;
  return typeof queue === "string" && typeof id === "string" && queue !== "" && id !== ""
    ? { queue, id }
    : null;
}
