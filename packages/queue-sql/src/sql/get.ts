import type { BackoffPolicy, JsonValue } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import { changeColumns, recordedCte } from "./record.js";
import { rescueCtes, rescuedChanges } from "./rescue.js";
import { epochMs, keptStatement, type QueueScope, STAGE, seconds } from "./scope.js";

/** Expired leases one get rescues at most; the rest wait for the next get or rescueExpired. */
export const RESCUE_PER_GET = 1_000;

/**
 * Up to this n, get's LIMIT is written into the statement rather than bound. With a bound LIMIT the planner cannot
 * cost the generic plan (it assumes a tenth of the queue), so PostgreSQL plans every get afresh (~0.4 ms of a ~3 ms
 * get(100)); with a literal one the prepared statement keeps its generic plan after five runs. Each n is then a
 * statement of its own on every connection (~50 KB of plan each), so only small n, where planning weighs most, get one.
 */
export const LITERAL_LIMIT_UP_TO = 100;

function limitOf(n: number): SQL {
  return Number.isSafeInteger(n) && n >= 1 && n <= LITERAL_LIMIT_UP_TO ? sql.raw(String(n)) : sql`${n}`;
}

/** A row the claim handed out (rescued_to null), or one its rescue moved (rescued_to: the stage it went to). */
export interface TakenRow {
  item_id: string;
  body: JsonValue;
  attempts: number;
  /** epochMs of the lease's expiry. */
  lease_expires_at: number | null;
  trace_context: string | null;
  rescued_to: number | null;
}

/**
 * The claim, one statement: first the queue's expired leases are rescued (failed attempts: retried after a backoff
 * or failed; see rescue.ts), so correctness never waits for a sweeper; then up to n available WAITING items —
 * highest priority first, FIFO within a priority, run_after passed — move to PROCESSING, each with attempts + 1 (the
 * fencing token returned with it), run_after cleared and the lease set (NULL: none).
 *
 * `next` walks the ready index (queue_name, priority DESC, ordering) WHERE stage = 0 in the ORDER BY's own order under
 * the LIMIT, skipping delayed rows; SKIP LOCKED lets concurrent callers take disjoint sets without waiting on each
 * other, and the row lock is what makes an item go to one caller only. The UPDATE finds the locked rows by their tuple ids
 * (a TID scan: a locked row keeps its ctid until this statement updates it) rather than by a join with `next` on the
 * key, whose plan depends on statistics: for a queue the last ANALYZE had not seen (estimated at one row) the planner
 * scanned the whole queue once per chosen row (250 ms for get(100) from 5,000 items), or the stage index for each. Items rescued here are not handed out by the
 * same statement (its snapshot predates them); they come back after their backoff. They are returned after the
 * taken rows, with the stage they went to, so the caller can tell of the rescue (metrics count every one). The
 * columns that only order the rows stay inside the statement: the driver parses every column of every row returned.
 */
export async function takeWaiting(
  scope: QueueScope,
  n: number,
  leaseSeconds: number | null,
  policy: BackoffPolicy,
): Promise<TakenRow[]> {
  // The same statement on every call of a handle with this shape.
  const shape = `claim:${n}:${leaseSeconds}:${policy.baseSeconds}:${policy.maxSeconds}`;
  return scope.run<TakenRow>(keptStatement(scope, shape, () => buildClaim(scope, n, leaseSeconds, policy)));
}

function buildClaim(scope: QueueScope, n: number, leaseSeconds: number | null, policy: BackoffPolicy): SQL {
  const { table, queueName } = scope;
  return sql`
      WITH ${rescueCtes(table, queueName, policy, RESCUE_PER_GET)}, next AS (
        SELECT ctid FROM ${table.table}
        WHERE queue_name = ${queueName} AND stage = ${STAGE.WAITING} AND (run_after IS NULL OR run_after <= now())
        ORDER BY priority DESC, ordering
        LIMIT ${limitOf(n)}
        FOR UPDATE SKIP LOCKED
      ), taken AS (
        UPDATE ${table.table} AS item SET
          stage = ${STAGE.PROCESSING}, attempts = item.attempts + 1, run_after = NULL,
          lease_expires_at = now() + ${seconds(sql`${leaseSeconds}`)}, updated_at = now()
        WHERE item.ctid = ANY(ARRAY(SELECT ctid FROM next))
        RETURNING item.item_id, item.body, item.attempts, item.lease_expires_at, item.priority, item.ordering,
          item.trace_context
      )${recordedCte(
        scope,
        sql`
        ${rescuedChanges()}
        UNION ALL
        SELECT ${changeColumns({
          position: sql`${RESCUE_PER_GET} + row_number() OVER (ORDER BY priority DESC, ordering)`,
          itemId: sql`item_id`,
          from: STAGE.WAITING,
          to: STAGE.PROCESSING,
          attempt: sql`attempts`,
        })} FROM taken`,
      )}
      SELECT item_id, body, attempts, lease_expires_at, trace_context, rescued_to FROM (
        SELECT item_id, body, attempts, ${epochMs(sql`lease_expires_at`)} AS lease_expires_at, trace_context,
          NULL AS rescued_to, 0 AS part, priority, ordering
        FROM taken
        UNION ALL
        SELECT item_id, NULL, attempts, NULL, NULL, stage, 1, NULL, NULL FROM rescued
      ) AS handed
      ORDER BY part, priority DESC, ordering`;
}
