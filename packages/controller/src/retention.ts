import { setTimeout as sleep } from "node:timers/promises";
import { type Logger, PURGE_BATCH_ITEMS, type Queue, silentLogger } from "@task-queue/queue-core";

/** How long finished items are kept; a stage without an age is kept for ever. */
export interface RetentionPolicy {
  /** Seconds a SUCCESS item is kept after it finished; null/undefined: for ever. */
  successSeconds?: number | null;
  /** Seconds a FAIL item is kept after it failed; null/undefined: for ever. */
  failSeconds?: number | null;
  /** Items per purge call (default PURGE_BATCH_ITEMS): one short statement each on SQL. */
  batchItems?: number;
  /** Items removed per stage per run at most (default 20 batches), so one run never holds up a tick for long. */
  maxItemsPerRun?: number;
  /** Pause between batches, in ms (default 10): leaves room for the queue's other work. */
  pauseMs?: number;
}

export interface RetentionReport {
  SUCCESS: number;
  FAIL: number;
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
  const report: RetentionReport = { SUCCESS: 0, FAIL: 0 };
  const ages: Array<[keyof RetentionReport, number | null | undefined]> = [
    ["SUCCESS", policy.successSeconds],
    ["FAIL", policy.failSeconds],
  ];
  for (const [stage, age] of ages) {
    if (age === null || age === undefined) continue;
    while (report[stage] < maxItems) {
      const limit = Math.min(batchItems, maxItems - report[stage]);
      const { purged } = await queue.purge({ stage, olderThanSeconds: age, limit });
      report[stage] += purged;
      if (purged < limit) break;
      await sleep(pauseMs);
    }
  }
  if (report.SUCCESS + report.FAIL > 0) logger.info({ purged: report }, "retention purged finished items");
  return report;
}
