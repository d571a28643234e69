import { InvalidArgument } from "./errors.js";
import type { Queue } from "./queue.js";
import type { StageName, StageSizes } from "./stage.js";

/** How far back stats look by default: one hour. */
export const DEFAULT_STATS_SECONDS = 3600;
/** Failure reasons listed in stats, most frequent first. */
export const TOP_FAILURES = 5;
/** Most buckets in a stats series: one a minute over the default hour; a longer window gets wider buckets. */
const MAX_SERIES_BUCKETS = 60;

export interface StatsOptions {
  /** Look at items that finished in the last this many seconds (default one hour). */
  sinceSeconds?: number;
}

/** What a queue did over a window, from its items' timestamps (or from its events, when it records them). */
export interface QueueStats {
  /** Start of the window. */
  since: Date;
  sinceSeconds: number;
  /** Items per stage now. */
  sizes: StageSizes;
  /**
   * Items that reached SUCCESS / FAIL in the window, and the same per minute: from item timestamps, those still
   * there; from events, every move to SUCCESS / FAIL in the window (an item requeued or purged since still counts).
   */
  done: number;
  failed: number;
  donePerMinute: number;
  failedPerMinute: number;
  /**
   * Seconds per finished item in the window, median and 95th percentile (linear interpolation, as PostgreSQL's
   * percentile_cont): from item timestamps, put → finish (created_at → updated_at); from events, the last hand-out
   * → finish (PROCESSING time of the attempt that finished; items never handed out are not measured). null when
   * nothing was measured.
   */
  durationSeconds: { median: number | null; p95: number | null; measures: "put-to-finish" | "processing" };
  /** Seconds since the longest-waiting WAITING item entered WAITING; null when none waits. */
  oldestWaitingSeconds: number | null;
  /** The most frequent last_error of items that failed in the window, with counts. */
  topFailures: Array<{ reason: string; count: number }>;
  /** done and failed over time (the console's throughput chart). */
  series: StatsSeries;
  source: "items" | "events";
}

/** Counts of finished items in consecutive buckets covering the window, oldest first. */
export interface StatsSeries {
  /** Width of a bucket: 60 s, or a whole number of minutes so that the window has at most 60 buckets. */
  bucketSeconds: number;
  /** Items that reached SUCCESS in each bucket; bucket i starts at since + i × bucketSeconds. */
  done: number[];
  /** The same for FAIL. */
  failed: number[];
}

/** A queue that can report stats (InMemoryQueue, SqlQueue, QueueWithEvents over them, ApiClient). */
export interface QueueWithStats extends Queue {
  stats(options?: StatsOptions): Promise<QueueStats>;
}

export function hasStats(queue: Queue): queue is QueueWithStats {
  return typeof (queue as Partial<QueueWithStats>).stats === "function";
}

export function validateStats(options: StatsOptions = {}): number {
  const since = options.sinceSeconds ?? DEFAULT_STATS_SECONDS;
  if (typeof since !== "number" || !Number.isFinite(since) || since <= 0)
    throw new InvalidArgument("sinceSeconds", "must be a number of seconds > 0");
  return since;
}

/** The p-th percentile (0–100) of ascending values, interpolated linearly (percentile_cont); null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/**
 * One finished item in the window: its stage, how long it took (seconds; null when there is nothing to measure, as
 * for an item cancelled before it was ever handed out) and, for FAIL, why.
 */
export interface FinishedItem {
  stage: Extract<StageName, "SUCCESS" | "FAIL">;
  /** When it finished, in ms since the epoch. */
  finishedAt: number;
  seconds: number | null;
  reason: string | null;
}

/** Stats from the finished items of a window: the one place that turns them into rates, percentiles and reasons. */
export function summarizeStats(input: {
  now: Date;
  sinceSeconds: number;
  sizes: StageSizes;
  finished: readonly FinishedItem[];
  oldestWaitingSeconds: number | null;
  measures: QueueStats["durationSeconds"]["measures"];
  source: QueueStats["source"];
}): QueueStats {
  const minutes = input.sinceSeconds / 60;
  const done = input.finished.filter((item) => item.stage === "SUCCESS").length;
  const failed = input.finished.length - done;
  const durations = input.finished
    .flatMap((item) => (item.seconds === null ? [] : [item.seconds]))
    .sort((a, b) => a - b);
  const reasons = new Map<string, number>();
  for (const item of input.finished) {
    if (item.stage !== "FAIL") continue;
    const reason = item.reason ?? "(no reason)";
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return {
    since: new Date(input.now.getTime() - input.sinceSeconds * 1000),
    sinceSeconds: input.sinceSeconds,
    sizes: input.sizes,
    done,
    failed,
    donePerMinute: done / minutes,
    failedPerMinute: failed / minutes,
    durationSeconds: {
      median: percentile(durations, 50),
      p95: percentile(durations, 95),
      measures: input.measures,
    },
    oldestWaitingSeconds: input.oldestWaitingSeconds,
    topFailures: [...reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
      .slice(0, TOP_FAILURES),
    series: seriesOf(input.finished, input.now.getTime() - input.sinceSeconds * 1000, input.sinceSeconds),
    source: input.source,
  };
}

function seriesOf(finished: readonly FinishedItem[], sinceMs: number, sinceSeconds: number): StatsSeries {
  const bucketSeconds = 60 * Math.max(1, Math.ceil(sinceSeconds / 60 / MAX_SERIES_BUCKETS));
  const count = Math.max(1, Math.ceil(sinceSeconds / bucketSeconds));
  const done = new Array<number>(count).fill(0);
  const failed = new Array<number>(count).fill(0);
  for (const item of finished) {
    // Clamped: an item finished at "now" (or a little before `since` by another clock) lands in the edge bucket.
    const index = Math.min(
      count - 1,
      Math.max(0, Math.floor((item.finishedAt - sinceMs) / 1000 / bucketSeconds)),
    );
    (item.stage === "SUCCESS" ? done : failed)[index]! += 1;
  }
  return { bucketSeconds, done, failed };
}

/** Stats as JSON in snake_case: the HTTP body of GET …/stats and the CLI's json/yaml output (one shape for both). */
export function statsToJson(stats: QueueStats) {
  return {
    since: stats.since.toISOString(),
    since_seconds: stats.sinceSeconds,
    sizes: stats.sizes,
    done: stats.done,
    failed: stats.failed,
    done_per_minute: stats.donePerMinute,
    failed_per_minute: stats.failedPerMinute,
    duration_seconds: stats.durationSeconds,
    oldest_waiting_seconds: stats.oldestWaitingSeconds,
    top_failures: stats.topFailures,
    series: {
      bucket_seconds: stats.series.bucketSeconds,
      done: stats.series.done,
      failed: stats.series.failed,
    },
    source: stats.source,
  };
}
