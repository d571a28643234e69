import { type SQL, sql } from "drizzle-orm";
import { movedColumns, recordCallbacks } from "./callbacks.js";
import { changesOf, recordedCte } from "./record.js";
import { fenced, keptStatement, numberArray, type QueueScope, STAGE, textArray } from "./scope.js";

export interface CompletionRow {
  id: string;
  /** The fencing token; null: any PROCESSING attempt (the legacy call). */
  attempt: number | null;
  /** The result as JSON text; null: none. */
  result: string | null;
}

/**
 * success and successMany, one statement: the listed items that pass the fence (PROCESSING; on the named attempt with
 * an unexpired lease, when one is named) move to SUCCESS with their result, lease cleared. Returns the ids it moved;
 * the caller reads why the others did not only when there are others. The join is by primary key from the input.
 * A batch of bare ids (the legacy successMany: no attempts, no results) binds just the ids (completeIds). The same
 * statement records the callbacks of the moved items (recordCallbacks).
 */
export async function completeItems(scope: QueueScope, items: readonly CompletionRow[]): Promise<string[]> {
  if (items.every((item) => item.attempt === null && item.result === null))
    return completeIds(
      scope,
      items.map((item) => item.id),
    );
  const rows = await scope.run<{ item_id: string }>(completion(scope, fencedUpdate(scope, items)));
  return rows.map((row) => row.item_id);
}

/** completeItems of bare ids (the legacy successMany: no attempts, no results): binds just the ids. */
export async function completeIds(scope: QueueScope, ids: readonly string[]): Promise<string[]> {
  // Where the executor fills placeholders, the bare statement is kept per handle with its ids as one.
  const rows = scope.run.placeholders
    ? await scope.run<{ item_id: string }>(
        keptStatement(scope, "success:bare", () =>
          completion(scope, bareUpdate(scope, sql`${sql.placeholder("ids")}`)),
        ),
        { ids },
      )
    : await scope.run<{ item_id: string }>(completion(scope, bareUpdate(scope, sql`${sql.param(ids)}`)));
  return rows.map((row) => row.item_id);
}

function bareUpdate(scope: QueueScope, ids: SQL): SQL {
  const { table, queueName } = scope;
  return sql`
      UPDATE ${table.table} AS item SET stage = ${STAGE.SUCCESS}, lease_expires_at = NULL, updated_at = now()
      WHERE queue_name = ${queueName} AND item_id = ANY(${ids}::text[])
        AND stage = ${STAGE.PROCESSING}
      RETURNING ${movedColumns("item")}`;
}

function fencedUpdate(scope: QueueScope, items: readonly CompletionRow[]): SQL {
  const { table, queueName } = scope;
  return sql`
      UPDATE ${table.table} AS item SET
        stage = ${STAGE.SUCCESS}, result = input.result::jsonb, lease_expires_at = NULL, updated_at = now()
      FROM unnest(
          ${textArray(items.map((item) => item.id))},
          ${numberArray(items.map((item) => item.attempt))},
          ${textArray(items.map((item) => item.result))}
        ) AS input(item_id, attempt, result)
      WHERE item.queue_name = ${queueName} AND item.item_id = input.item_id
        AND ${fenced(sql`input.attempt::int`)}
      RETURNING ${movedColumns("item")}`;
}

/** The move with the callbacks and records of the items it moved. */
function completion(scope: QueueScope, update: SQL): SQL {
  return sql`
      WITH completed AS (${update}), ${recordCallbacks(scope.table, "completed", scope.queueName)}${recordedCte(
        scope,
        changesOf("completed", { from: STAGE.PROCESSING, to: STAGE.SUCCESS }),
      )}
      SELECT item_id FROM completed`;
}
