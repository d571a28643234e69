import {
  type HistoryEntry,
  InvalidStage,
  type ItemId,
  type ItemRecord,
  isStageName,
  type Job,
  QueueItemStage,
  type StageName,
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

interface WireSkip<Reason extends string> {
  id: ItemId;
  reason: Reason;
  stage?: StageName;
}

/** A batch's skipped ids for the wire; each result keeps its own reasons (delete never answers LEASE_LOST). */
export function moveResultToWire<Reason extends string>(result: {
  skipped: ReadonlyArray<WireSkip<Reason>>;
}): WireSkip<Reason>[] {
  return result.skipped.map((s) =>
    s.stage ? { id: s.id, reason: s.reason, stage: s.stage } : { id: s.id, reason: s.reason },
  );
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function jobToWire(job: Job) {
  return {
    item_id: job.itemId,
    body: job.body,
    attempt: job.attempt,
    lease_expires_at: iso(job.leaseExpiresAt),
  };
}

export function recordToWire(record: ItemRecord) {
  return {
    item_id: record.itemId,
    stage: record.stage,
    body: record.body,
    attempts: record.attempts,
    max_attempts: record.maxAttempts,
    priority: record.priority,
    run_after: iso(record.runAfter),
    lease_expires_at: iso(record.leaseExpiresAt),
    last_error: record.lastError,
    result: record.result,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
