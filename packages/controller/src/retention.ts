import { setTimeout as sleep } from "node:timers/promises";
import {
  canTrimHistory,
  type Logger,
  PURGE_BATCH_ITEMS,
  type Queue,
  silentLogger,
} from "@task-queue/queue-core";

/** How long finished items are kept; a stage without an age is kept for ever. */
export interface RetentionPolicy {
  /** Seconds a SUCCESS item is kept after it finished; null/undefined: for ever. */
  successSeconds?: number | null;
  /** Seconds a FAIL item is kept after it failed; null/undefined: for ever. */
  failSeconds?: number | null;
  /**
   * Seconds recorded history (events) is kept; null/undefined: for ever. Applies when the queue records history
   * (QueueWithEvents); the history of every queue sharing its event store and names is trimmed.
   */
  eventsSeconds?: number | null;
  /** Items (or events) per purge call (default PURGE_BATCH_ITEMS): one short statement each on SQL. */
  batchItems?: number;
  /** Items removed per stage per run at most (default 20 batches), so one run never holds up a tick for long. */
  maxItemsPerRun?: number;
  /** Pause between batches, in ms (default 10): leaves room for the queue's other work. */
  pauseMs?: number;
}

export interface RetentionReport {
  SUCCESS: number;
  FAIL: number;
  /** History events trimmed. */
  events: number;
}

/**
 * Applies a retention policy once: purges SUCCESS and FAIL items older than their ages, a batch at a time with a
 * pause between batches, up to maxItemsPerRun per stage (the next run continues). Errors propagate to the caller.
 */
export async function applyRetention(
  queue: Queue,
  policy: RetentionPolicy,
  logger: Logger = silentLogger,
): Promise<RetentionReport> {
  const batchItems = policy.batchItems ?? PURGE_BATCH_ITEMS;
  const maxItems = policy.maxItemsPerRun ?? batchItems * 20;
  const pauseMs = policy.pauseMs ?? 10;
  const report: RetentionReport = { SUCCESS: 0, FAIL: 0, events: 0 };
  const ages: Array<["SUCCESS" | "FAIL", number | null | undefined]> = [
    ["SUCCESS", policy.successSeconds],
    ["FAIL", policy.failSeconds],
  ];
  /** Runs batches of `purge` until one comes back short or the run's cap is reached; returns how many went. */
  const inBatches = async (purge: (limit: number) => Promise<number>): Promise<number> => {
    let done = 0;
    while (done < maxItems) {
      const limit = Math.min(batchItems, maxItems - done);
      const purged = await purge(limit);
      done += purged;
      if (purged < limit) break;
      await sleep(pauseMs);
    }
    return done;
  };
  for (const [stage, age] of ages) {
    if (age === null || age === undefined) continue;
    report[stage] = await inBatches(
      async (limit) => (await queue.purge({ stage, olderThanSeconds: age, limit })).purged,
    );
  }
  const eventsAge = policy.eventsSeconds;
  if (eventsAge !== null && eventsAge !== undefined && canTrimHistory(queue)) {
    report.events = await inBatches((limit) => queue.trimHistory({ olderThanSeconds: eventsAge, limit }));
  }
  if (report.SUCCESS + report.FAIL + report.events > 0) {
    logger.info({ purged: report }, "retention purged finished items and old history");
  }
  return report;
}
