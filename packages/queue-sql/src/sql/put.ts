import { sql } from "drizzle-orm";
import { changeColumns, recordedCte } from "./record.js";
import {
  jsonDocuments,
  notifyColumn,
  numberArray,
  type QueueScope,
  STAGE,
  seconds,
  textArray,
} from "./scope.js";

/** One item to insert with every lifecycle field at the queue's defaults (what put adds): its id and JSON text. */
export interface PlainRow {
  id: string;
  json: string;
}

/** One item to insert: its JSON text and lifecycle fields. */
export interface NewRow extends PlainRow {
  priority: number;
  maxAttempts: number;
  /** Not handed out before this time (absolute, e.g. a caller's runAfter); null: see delaySeconds. */
  runAfter: Date | null;
  /** Not handed out before the server's now() + this; null or 0: at once. */
  delaySeconds: number | null;
  /** Where to POST the completion callback; null: the queue's URL, if any. */
  notifyUrl: string | null;
}

/**
 * Rows whose lifecycle fields are all the queue's defaults (`plain`: the statement binds only ids and bodies, and
 * put builds no NewRow per item), or rows that may carry their own.
 */
export type RowsToInsert =
  | { plain: true; rows: readonly PlainRow[] }
  | { plain: false; rows: readonly NewRow[] };

/** The rows as RowsToInsert: plain when every one has the defaults (then the statement need not bind the rest). */
export function rowsToInsert(rows: readonly NewRow[], defaultMaxAttempts: number): RowsToInsert {
  const plain = rows.every(
    (row) =>
      row.priority === 0 &&
      row.maxAttempts === defaultMaxAttempts &&
      row.runAfter === null &&
      !row.delaySeconds &&
      row.notifyUrl === null,
  );
  return plain ? { plain: true, rows } : { plain: false, rows };
}

/**
 * Inserts one chunk of items as WAITING (with the put's trace context, null when untraced), in the chunk's order (the
 * ordering key is drawn in that order), and returns the ids it added; ids already in the queue, in any stage, are
 * left as they are. Lists bind as arrays through unnest, so the 65,535-parameter limit never applies. A plain chunk
 * binds only ids and bodies. Adding anything notifies the table's channel, waking waiting consumers.
 */
export async function insertItems(
  scope: QueueScope,
  chunk: RowsToInsert,
  defaultMaxAttempts: number,
  traceContext: string | null,
): Promise<string[]> {
  const { run, table, queueName } = scope;
  const ids = textArray(chunk.rows.map((item) => item.id));
  const bodies = jsonDocuments(chunk.rows.map((item) => item.json));
  const input = chunk.plain
    ? sql`SELECT * FROM ROWS FROM (unnest(${ids}), ${bodies}) WITH ORDINALITY AS input(item_id, body, position)`
    : sql`
      SELECT * FROM ROWS FROM (
          unnest(${ids}), ${bodies},
          unnest(${numberArray(chunk.rows.map((item) => item.priority))}),
          unnest(${numberArray(chunk.rows.map((item) => item.maxAttempts))}),
          unnest(${textArray(chunk.rows.map((item) => item.runAfter?.toISOString() ?? null))}),
          unnest(${numberArray(chunk.rows.map((item) => item.delaySeconds))}),
          unnest(${textArray(chunk.rows.map((item) => item.notifyUrl))})
        ) WITH ORDINALITY AS input(item_id, body, priority, max_attempts, run_after, delay, notify_url, position)`;
  const source = chunk.plain
    ? sql`
      SELECT ${queueName}, input.item_id, input.body::jsonb, 0, ${defaultMaxAttempts}::int, NULL::timestamptz,
        ${traceContext}::text, NULL::text
      FROM input`
    : sql`
      SELECT ${queueName}, input.item_id, input.body::jsonb, input.priority::int, input.max_attempts::int,
        CASE WHEN at > now() THEN at END, ${traceContext}::text, input.notify_url
      FROM input,
        LATERAL (SELECT coalesce(input.run_after::timestamptz, now() + ${seconds(sql`nullif(input.delay::float8, 0)`)}) AS at) AS due`;
  const added = sql`
    SELECT ${changeColumns({
      position: sql`input.position`,
      itemId: sql`input.item_id`,
      from: null,
      to: STAGE.WAITING,
      body: sql`input.body`,
    })}
    FROM inserted JOIN input USING (item_id)`;
  const rows = await run<{ item_id: string }>(
    sql`
      WITH input AS (${input}), inserted AS (
        INSERT INTO ${table.table} (queue_name, item_id, body, priority, max_attempts, run_after, trace_context, notify_url)
        ${source}
        ORDER BY input.position
        ON CONFLICT DO NOTHING
        RETURNING item_id
      )${recordedCte(scope, added)}
      SELECT item_id, ${notifyColumn(scope)} AS notified FROM inserted`,
  );
  return rows.map((row) => row.item_id);
}
