import { InvalidArgument } from "@task-queue/queue-core";
import type { EventTrimRequest } from "./event-store.js";

/** The same checks for every store: a bad request is refused before anything is removed. */
export function validateTrimRequest(request: EventTrimRequest): EventTrimRequest {
  const { name, before, limit } = request;
  if (typeof name !== "string" || name.length === 0) {
    throw new InvalidArgument("name", "trim needs the event name, a non-empty string");
  }
  if (!(before instanceof Date) || Number.isNaN(before.getTime())) {
    throw new InvalidArgument("before", "trim needs `before`, a valid Date");
  }
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidArgument("limit", `limit must be a positive integer, got ${String(limit)}`);
  }
  return request;
}
