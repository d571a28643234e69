import { InvalidArgument } from "./errors.js";
import type { Queue } from "./queue.js";

/** What the leading controller records about itself after each tick. */
export interface ControllerStatusReport {
  /** Who ticked, e.g. `host/pid`: for people to tell controllers apart, never a secret. */
  identity: string;
  /** Whether it led the queue when it recorded (a standby runs no tick, so it records nothing). */
  leader: boolean;
  /** Whether that tick released nothing because releasing was paused (the stored flag or the process's own). */
  paused: boolean;
  /** The controller's period: how often a status should arrive, the yardstick for "stale". */
  periodSeconds: number;
}

/** The last recorded status, as the store read it. */
export interface ControllerStatus extends ControllerStatusReport {
  lastTickAt: Date;
  /** Seconds since lastTickAt by the store's clock (SQL: the database's), so readers' clocks do not matter. */
  ageSeconds: number;
}

/** A status older than this many periods is stale: the controller stopped, hangs, or lost its storage. */
export const STALE_PERIODS = 3;
/** ...and at least this many seconds, so that one slow tick of a fast loop is not called stale. */
export const MIN_STALE_SECONDS = 10;

export function isStale(status: ControllerStatus): boolean {
  return status.ageSeconds > Math.max(STALE_PERIODS * status.periodSeconds, MIN_STALE_SECONDS);
}

/** Longest identity kept; a longer one is cut, not refused (a controller's tick never fails over its name). */
const MAX_IDENTITY_LENGTH = 200;

/** Checks a report before it is stored; the identity is cut to MAX_IDENTITY_LENGTH characters. */
export function validateControllerStatus(report: ControllerStatusReport): ControllerStatusReport {
  if (typeof report.identity !== "string" || report.identity.length === 0)
    throw new InvalidArgument("identity", "must be a non-empty string");
  if (typeof report.leader !== "boolean") throw new InvalidArgument("leader", "must be true or false");
  if (typeof report.paused !== "boolean") throw new InvalidArgument("paused", "must be true or false");
  if (
    typeof report.periodSeconds !== "number" ||
    !Number.isFinite(report.periodSeconds) ||
    report.periodSeconds < 0
  )
    throw new InvalidArgument("periodSeconds", "must be a number of seconds ≥ 0");
  return { ...report, identity: report.identity.slice(0, MAX_IDENTITY_LENGTH) };
}

/** A queue whose backend stores the controller's status (InMemoryQueue, SqlQueue, QueueWithEvents over them). */
export interface QueueWithControllerStatus extends Queue {
  /** Stores the status in place of the previous one (one per queue: the leader's). */
  recordControllerStatus(report: ControllerStatusReport): Promise<void>;
  /** The last stored status; null when no controller ever recorded one. */
  controllerStatus(): Promise<ControllerStatus | null>;
}

export function hasControllerStatus(queue: Queue): queue is QueueWithControllerStatus {
  const candidate = queue as Partial<QueueWithControllerStatus>;
  return (
    typeof candidate.recordControllerStatus === "function" && typeof candidate.controllerStatus === "function"
  );
}

/** The status as JSON in snake_case (GET /api/v1/queues), with `stale` decided here, once. */
function controllerStatusToJson(status: ControllerStatus | null) {
  if (status === null) return null;
  return {
    last_tick_at: status.lastTickAt.toISOString(),
    age_seconds: status.ageSeconds,
    identity: status.identity,
    leader: status.leader,
    paused: status.paused,
    period_seconds: status.periodSeconds,
    stale: isStale(status),
  };
}

/** The queue's last controller status as JSON; null when none was recorded or the backend stores none. */
export async function readControllerStatusJson(queue: Queue) {
  return controllerStatusToJson(hasControllerStatus(queue) ? await queue.controllerStatus() : null);
}
