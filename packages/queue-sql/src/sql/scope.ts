import { type BackoffPolicy, QueueItemStage } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import { type Execute, reusable } from "../executor.js";
import type { QueueTable } from "../table.js";
import type { ChangeRecorder } from "./record.js";

/** Where a statement runs: how to execute it (on a database or transaction), a queue table, and one queue's name. */
export interface QueueScope {
  run: Execute;
  table: QueueTable;
  queueName: string;
  /** Writes down each change a statement makes, inside that statement (QueueWithEvents); absent: nothing recorded. */
  recorder?: ChangeRecorder;
  /**
   * Work notifications are sent after the statement commits, by the caller (WorkAnnouncer), not by the statement:
   * notifyColumn is then NULL.
   */
  notifiesAfterCommit?: boolean;
}

/** Statements one handle keeps built, by key; past this many, a new key's statement is built afresh on each call. */
const KEPT_PER_SCOPE = 16;
const keptStatements = new WeakMap<QueueScope, Map<string, SQL>>();

/**
 * A statement that is the same on every call of a queue handle for one key (its parameters included, or placeholders
 * filled per call): built once per handle and key, and compiled once (reusable). Building and compiling through
 * drizzle was a few µs of client CPU per item in a 4-consumer drain. A recording handle lives for one call (queue-events
 * makes one per call) and builds afresh.
 */
export function keptStatement(scope: QueueScope, key: string, build: () => SQL): SQL {
  if (scope.recorder !== undefined) return build();
  let kept = keptStatements.get(scope);
  if (kept === undefined) {
    kept = new Map();
    keptStatements.set(scope, kept);
  }
  const known = kept.get(key);
  if (known !== undefined) return known;
  const statement = build();
  if (kept.size < KEPT_PER_SCOPE) kept.set(key, reusable(statement));
  return statement;
}

/**
 * A stage as an SQL literal, not a parameter, so the planner matches the partial indexes (`WHERE stage = 0`,
 * `WHERE stage IN (1, 3)`, …) and plans each statement for its stage.
 */
export function stageLiteral(stage: QueueItemStage): SQL {
  return sql.raw(String(Number(stage)));
}

/** Each stage's literal (stageLiteral), for statements written for one stage. */
export const STAGE: Record<keyof typeof QueueItemStage, SQL> = {
  WAITING: stageLiteral(QueueItemStage.WAITING),
  PROCESSING: stageLiteral(QueueItemStage.PROCESSING),
  SUCCESS: stageLiteral(QueueItemStage.SUCCESS),
  FAIL: stageLiteral(QueueItemStage.FAIL),
};

/**
 * A list bound as one array parameter (drizzle would otherwise expand it into one parameter per element). Nulls
 * stay SQL NULLs; other element types are cast from text by the statement (`input.attempt::int`), so both drivers
 * bind every list the same way.
 */
export function textArray(values: readonly (string | null)[]): SQL {
  return sql`${sql.param(values)}::text[]`;
}

/**
 * JSON documents (each already JSON text, none null) as rows of `json`: one parameter holding the JSON array of
 * them, read by json_array_elements. For bodies this is cheaper than a text[]: the driver writes an array literal by
 * escaping every quote and backslash of every element (1.2 ms of JavaScript per 1,000 small bodies, most of the
 * client's share of a put, measured 2026-12-02), while this is one join; the server parses the array once as json
 * and each element is cast where it is used. `::text` first, so that neither driver JSON-encodes the string again
 * for a json parameter. Use in FROM: `ROWS FROM (unnest(ids), jsonDocuments(bodies)) WITH ORDINALITY`.
 */
export function jsonDocuments(documents: readonly string[]): SQL {
  return sql`json_array_elements(${`[${documents.join(",")}]`}::text::json)`;
}

/** A number list as text[] (see textArray); null elements stay NULL. */
export function numberArray(values: readonly (number | null | undefined)[]): SQL {
  return textArray(values.map((value) => (value === undefined || value === null ? null : String(value))));
}

/** A number of seconds as an interval (NULL stays NULL). */
export function seconds(value: SQL): SQL {
  return sql`(${value})::float8 * interval '1 second'`;
}

/**
 * The retry delay after `item.attempts` failed attempts, in seconds: full jitter over min(max, base × 2^(attempts−1)),
 * drawn per row by the server — the same rule as queue-core's backoffSeconds.
 */
export function backoff(policy: BackoffPolicy): SQL {
  return sql`random() * least(${policy.maxSeconds}::float8, ${policy.baseSeconds}::float8 * power(2::float8, least(greatest(item.attempts - 1, 0), 60)))`;
}

/**
 * The SET list of a failed attempt of `item` (fail, failMany, an expired lease): while attempts remain, back to
 * WAITING at the back of its priority (a new ordering key), not before now + delay (seconds; 0 or NULL: at once);
 * else FAIL. Either way the lease ends and the reason becomes last_error.
 */
export function failedAttempt(table: QueueTable, reason: SQL, delaySeconds: SQL): SQL {
  const retry = sql`item.attempts < item.max_attempts`;
  return sql`
    stage = CASE WHEN ${retry} THEN ${STAGE.WAITING} ELSE ${STAGE.FAIL} END,
    run_after = CASE WHEN ${retry} THEN now() + ${seconds(sql`nullif(${delaySeconds}, 0)`)} END,
    ordering = CASE WHEN ${retry} THEN ${table.nextOrdering} ELSE item.ordering END,
    last_error = ${reason},
    lease_expires_at = NULL,
    updated_at = now()`;
}

/**
 * The fence of a completion naming `attempt` (NULL: none, the legacy call): the item is PROCESSING on that attempt
 * with its lease, if any, unexpired — queue-core's InMemoryQueue.check().
 */
export function fenced(attempt: SQL): SQL {
  return sql`item.stage = ${STAGE.PROCESSING} AND (${attempt} IS NULL OR (item.attempts = ${attempt} AND (item.lease_expires_at IS NULL OR item.lease_expires_at > now())))`;
}

/**
 * pg_notify(the table's channel, queue name) as a scalar subquery: placed in a statement's select list, it runs once, and only
 * when the statement returns a row (the notification then goes out when the statement's transaction commits). NULL
 * when the queue announces its work after the commit instead (notifiesAfterCommit: the caller announces).
 */
export function notifyColumn(scope: QueueScope): SQL {
  if (scope.notifiesAfterCommit) return sql`NULL::int`;
  return sql`(SELECT 1 FROM pg_notify(${scope.table.channel}, ${scope.queueName}))`;
}

/**
 * A timestamptz as milliseconds since the epoch (float8, a JS number on both drivers): drizzle's postgres.js driver
 * makes the client return timestamps as unparsed text, so statements hand times over as numbers instead.
 */
export function epochMs(column: SQL): SQL {
  return sql`(extract(epoch FROM ${column}) * 1000)::float8`;
}

/** A time from epochMs, or null. */
export function dateOf(ms: number | string | null | undefined): Date | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms));
}
