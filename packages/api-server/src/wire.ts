import {
  type HistoryEntry,
  InvalidStage,
  isStageName,
  type MoveResult,
  QueueItemStage,
  type RequeueResult,
} from "@task-queue/queue-core";

/** The contract names stages in paths (WAITING, …); anything else is the contract's 400. */
export function stageFromPath(value: string): QueueItemStage {
  if (isStageName(value)) return QueueItemStage[value];
  throw new InvalidStage(value);
}

export const putSkipMessage = (id: string): string => `Item '${id}' already in queue. Skipping.`;
export const requeueSkipMessage = (id: string): string => `Item '${id}' not in a FAIL state. Skipping.`;

/** The contract's answer to put and requeue: null when nothing was skipped, else one message per skipped id. */
export function skipReport(
  skipped: readonly string[],
  message: (id: string) => string,
): { detail: string[] } | null {
  return skipped.length === 0 ? null : { detail: skipped.map(message) };
}

/** HistoryEntry → the wire: eventId becomes event_id; every other field keeps its name and order. */
export function historyToWire(entries: readonly HistoryEntry[]) {
  return entries.map(({ eventId, ...rest }) => ({ event_id: eventId, ...rest }));
}

export function moveResultToWire(result: MoveResult | RequeueResult) {
  return result.skipped.map((s) =>
    s.stage ? { id: s.id, reason: s.reason, stage: s.stage } : { id: s.id, reason: s.reason },
  );
}
