import { type SQL, sql } from "drizzle-orm";
import type { QueueScope } from "./scope.js";

/**
 * Records the changes of a statement inside that statement (queue-events' QueueWithEvents on the same database): given
 * a SELECT of the changed rows, it returns a data-modifying statement (an INSERT) that writes them down. The
 * statement runs it as a CTE of its own, so a change and its record commit together, or fail together, in one round
 * trip. The rows' columns, in this order:
 * - position (bigint): the order the records are written in;
 * - item_id (text);
 * - from_stage, to_stage (int): NULL from_stage for an item added by put (to_stage then WAITING);
 * - action (text): RESCUE, RETRY, REQUEUE or NULL (a plain move or an add);
 * - reason (text): the reason stored with a failed attempt, else NULL;
 * - attempt (int): the attempt a get handed out, else NULL;
 * - body (text): an added item's JSON as the caller sent it, else NULL.
 */
export interface ChangeRecorder {
  insert(rows: SQL): SQL;
}

export function isChangeRecorder(value: object): value is ChangeRecorder {
  return typeof (value as Partial<ChangeRecorder>).insert === "function";
}

/** Names the recorded-rows columns of one row set, so every statement yields them alike (see ChangeRecorder). */
export interface ChangeColumns {
  position: SQL;
  itemId: SQL;
  from: SQL | null;
  to: SQL;
  action?: SQL;
  reason?: SQL;
  attempt?: SQL;
  body?: SQL;
}

/** A SELECT list of recorded-rows columns, typed so row sets of different statements can be UNIONed. */
export function changeColumns(columns: ChangeColumns): SQL {
  const or = (value: SQL | null | undefined) => value ?? sql`NULL`;
  return sql`(${columns.position})::bigint, (${columns.itemId})::text, (${or(columns.from)})::int,
    (${columns.to})::int, (${or(columns.action)})::text, (${or(columns.reason)})::text,
    (${or(columns.attempt)})::int, (${or(columns.body)})::text`;
}

/** `, recorded AS (INSERT …)` when the scope records its changes; nothing otherwise. */
export function recordedCte(scope: QueueScope, rows: SQL): SQL {
  return scope.recorder ? sql`, recorded AS (${scope.recorder.insert(rows)})` : sql``;
}

/** The changes of the rows a CTE returned (it has item_id), in the order it returned them. */
export function changesOf(cte: string, columns: Omit<ChangeColumns, "position" | "itemId">): SQL {
  return sql`SELECT ${changeColumns({ position: sql`row_number() OVER ()`, itemId: sql`item_id`, ...columns })} FROM ${sql.raw(cte)}`;
}
