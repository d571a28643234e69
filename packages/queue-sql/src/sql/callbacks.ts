import type { CallbackPayload, CallbackSettings, CallbackSettingsUpdate } from "@task-queue/queue-core";
import { type SQL, sql } from "drizzle-orm";
import type { Execute } from "../executor.js";
import type { QueueTable } from "../table.js";
import { epochMs, type QueueScope, STAGE, seconds, textArray } from "./scope.js";

/**
 * What a moving statement's CTE returns (as `RETURNING ${movedColumns("item")}`) for recordCallbacks to read: the
 * fields of the callback's payload and the item's own notify URL.
 */
export function movedColumns(alias: string): SQL {
  const a = sql.raw(alias);
  return sql`${a}.queue_name, ${a}.item_id, ${a}.stage, ${a}.attempts, ${a}.result, ${a}.last_error, ${a}.updated_at, ${a}.notify_url`;
}

/**
 * The CTE `callbacks_recorded` that writes the outbox row of every item of the CTE `moved` that reached SUCCESS or FAIL and
 * has a callback URL (its own, else its queue's): part of the moving statement, so the move and its callback
 * commit together or not at all. PostgreSQL runs a data-modifying CTE to completion even when nothing reads it.
 * `queueName`: every moved item is of that queue (null: of any queue, the namespace's sweep). The queue's URL is
 * then read once for the statement (an uncorrelated subquery, evaluated once) instead of one settings probe per
 * moved item, which was 0.05 of successMany(100)'s 1.05 ms on the server (auto_explain, 2026-12-02).
 */
export function recordCallbacks(table: QueueTable, moved: string, queueName: string | null): SQL {
  const m = sql.raw(moved);
  const [queueUrl, from] =
    queueName === null
      ? [
          sql`settings.notify_url`,
          sql`FROM ${m} LEFT JOIN ${table.settings} AS settings ON settings.queue_name = ${m}.queue_name`,
        ]
      : [
          sql`(SELECT s.notify_url FROM ${table.settings} AS s WHERE s.queue_name = ${queueName})`,
          sql`FROM ${m}`,
        ];
  const url = sql`coalesce(${m}.notify_url, ${queueUrl})`;
  return sql`
      callbacks_recorded AS (
        INSERT INTO ${table.callbacks} (queue_name, item_id, url, payload)
        SELECT ${m}.queue_name, ${m}.item_id, ${url},
          jsonb_build_object(
            'queue', ${m}.queue_name, 'item_id', ${m}.item_id,
            'stage', CASE WHEN ${m}.stage = ${STAGE.SUCCESS} THEN 'SUCCESS' ELSE 'FAIL' END,
            'attempts', ${m}.attempts,
            'finished_at', to_char(${m}.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          || CASE WHEN ${m}.stage = ${STAGE.SUCCESS} AND ${m}.result IS NOT NULL AND ${m}.result <> 'null'::jsonb
               THEN jsonb_build_object('result', ${m}.result) ELSE '{}'::jsonb END
          || CASE WHEN ${m}.stage = ${STAGE.FAIL} AND ${m}.last_error IS NOT NULL
               THEN jsonb_build_object('last_error', ${m}.last_error) ELSE '{}'::jsonb END
        ${from}
        WHERE ${m}.stage >= ${STAGE.SUCCESS} AND ${url} IS NOT NULL
        RETURNING 1
      )`;
}

export interface CallbackRow {
  id: string;
  queue_name: string;
  item_id: string;
  url: string;
  payload: CallbackPayload;
  attempts: number;
  last_error: string | null;
  /** epochMs; null: retries ran out. */
  next_attempt_at: number | null;
  created_at: number;
}

export interface ClaimedRow {
  id: string;
  url: string;
  payload: CallbackPayload;
  attempts: number;
  retry_from: number;
  secret: string | null;
}

/**
 * Claims up to n due callbacks of every queue in the table for leaseSeconds: SKIP LOCKED, so deliverers in any
 * number of processes take disjoint sets; a claim that runs out (its process died) makes the row due again. Each
 * claim counts a try (attempts + 1), the token that fences its outcome. The queue's secret is read with it.
 */
export async function claimCallbacks(
  run: Execute,
  table: QueueTable,
  n: number,
  leaseSeconds: number,
): Promise<ClaimedRow[]> {
  return run<ClaimedRow>(sql`
    WITH due AS (
      SELECT id FROM ${table.callbacks}
      WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= now()
        AND (claimed_until IS NULL OR claimed_until <= now())
      ORDER BY next_attempt_at
      LIMIT ${n}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE ${table.callbacks} AS callback SET
        attempts = callback.attempts + 1, claimed_until = now() + ${seconds(sql`${leaseSeconds}`)}
      FROM due WHERE callback.id = due.id
      RETURNING callback.id, callback.queue_name, callback.url, callback.payload, callback.attempts, callback.retry_from
    )
    SELECT claimed.id, claimed.url, claimed.payload, claimed.attempts, ${epochMs(sql`claimed.retry_from`)} AS retry_from,
      settings.callback_secret AS secret
    FROM claimed LEFT JOIN ${table.settings} AS settings ON settings.queue_name = claimed.queue_name`);
}

/** A delivered callback leaves the outbox; fenced by the try's attempts, like a failure. */
export async function deleteDelivered(run: Execute, table: QueueTable, id: string, attempts: number) {
  await run(sql`DELETE FROM ${table.callbacks} WHERE id = ${id} AND attempts = ${attempts}`);
}

/** A failed try: its error, and the next try's time (null: retries ran out); the claim ends. */
export async function recordFailedTry(
  run: Execute,
  table: QueueTable,
  id: string,
  attempts: number,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await run(sql`
    UPDATE ${table.callbacks} SET
      last_error = ${error}, next_attempt_at = ${retryAt?.toISOString() ?? null}::timestamptz, claimed_until = NULL
    WHERE id = ${id} AND attempts = ${attempts}`);
}

/** Undelivered callbacks of one queue, oldest first; `failed`: retries ran out, `pending`: still retried. */
export async function listCallbacks(
  scope: QueueScope,
  status: "failed" | "pending" | "all",
  limit: number,
): Promise<CallbackRow[]> {
  const { run, table, queueName } = scope;
  const filter =
    status === "failed"
      ? sql` AND next_attempt_at IS NULL`
      : status === "pending"
        ? sql` AND next_attempt_at IS NOT NULL`
        : sql``;
  return run<CallbackRow>(sql`
    SELECT id, queue_name, item_id, url, payload, attempts, last_error,
      ${epochMs(sql`next_attempt_at`)} AS next_attempt_at, ${epochMs(sql`created_at`)} AS created_at
    FROM ${table.callbacks}
    WHERE queue_name = ${queueName}${filter}
    ORDER BY created_at, id
    LIMIT ${limit}`);
}

/** Makes the named callbacks of one queue due now with a fresh horizon and try count; returns the ids it found. */
export async function resendCallbacks(scope: QueueScope, ids: readonly string[]): Promise<string[]> {
  const { run, table, queueName } = scope;
  const rows = await run<{ id: string }>(sql`
    UPDATE ${table.callbacks} SET next_attempt_at = now(), retry_from = now(), attempts = 0, claimed_until = NULL
    WHERE queue_name = ${queueName} AND id = ANY(${textArray(ids)})
    RETURNING id`);
  return rows.map((row) => row.id);
}

/** The queue's callback URL and whether it has a secret (the secret itself is never read here). */
export async function readCallbackSettings(scope: QueueScope): Promise<CallbackSettings> {
  const { run, table, queueName } = scope;
  const rows = await run<{ notify_url: string | null; has_secret: boolean }>(sql`
    SELECT notify_url, callback_secret IS NOT NULL AS has_secret FROM ${table.settings} WHERE queue_name = ${queueName}`);
  return { url: rows[0]?.notify_url ?? null, hasSecret: rows[0]?.has_secret ?? false };
}

/** Stores the given fields in one upsert (omitted ones keep their value) and returns the settings as stored. */
export async function writeCallbackSettings(
  scope: QueueScope,
  update: CallbackSettingsUpdate,
): Promise<CallbackSettings> {
  const { run, table, queueName } = scope;
  const setUrl = update.url !== undefined;
  const setSecret = update.secret !== undefined;
  const rows = await run<{ notify_url: string | null; has_secret: boolean }>(sql`
    INSERT INTO ${table.settings} (queue_name, notify_url, callback_secret, updated_at)
    VALUES (${queueName}, ${update.url ?? null}, ${update.secret ?? null}, now())
    ON CONFLICT (queue_name) DO UPDATE SET
      notify_url = CASE WHEN ${setUrl}::boolean THEN EXCLUDED.notify_url ELSE ${table.settings}.notify_url END,
      callback_secret = CASE WHEN ${setSecret}::boolean THEN EXCLUDED.callback_secret ELSE ${table.settings}.callback_secret END,
      updated_at = now()
    RETURNING notify_url, callback_secret IS NOT NULL AS has_secret`);
  return { url: rows[0]!.notify_url, hasSecret: rows[0]!.has_secret };
}
