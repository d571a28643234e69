import { type ItemId, type JsonObject, QueueItemStage, STAGE_NAMES } from "@task-queue/queue-core";
import { type ChangeRecorder, quoteIdentifier, textArray } from "@task-queue/queue-sql/internal";
import { type SQL, sql } from "drizzle-orm";
import { ITEM_EVENT_VERSION } from "../event.js";
import type { EventRecording } from "../transactional.js";

/** A recording into one events table. */
type TableRecording = EventRecording & { table: string };

/** A stage number as its name, e.g. 1 → 'PROCESSING'. */
function stageNameSql(stage: SQL): SQL {
  const cases = STAGE_NAMES.map(
    (name) => sql` WHEN ${sql.raw(String(QueueItemStage[name]))} THEN '${sql.raw(name)}'`,
  );
  return sql`(CASE ${stage}${sql.join(cases)} END)`;
}

/**
 * The INSERT that writes a SqlQueue statement's changes as ADD and MOVE events into the events table, inside that
 * statement (queue-sql's ChangeRecorder): the same documents QueueWithEvents builds for the store's addMany (keys
 * in the same order; a move's absent action, reason and attempt left out), in the changes' order, so the bigserial
 * ids follow it.
 */
export function eventRecorder(recording: TableRecording): ChangeRecorder {
  const { queue } = recording;
  const options = recording.options ?? new Map<ItemId, JsonObject>();
  const optionsJoin =
    options.size === 0
      ? sql`LEFT JOIN (SELECT NULL::text AS id, NULL::text AS options) AS o ON false`
      : sql`LEFT JOIN unnest(${textArray([...options.keys()])}, ${textArray(
          [...options.values()].map((value) => JSON.stringify(value)),
        )}) AS o(id, options) ON o.id = c.item_id`;
  const added = (withOptions: boolean) =>
    sql`json_build_object('queue', ${queue}::text, 'id', c.item_id, 'body', c.body::json,
      'description', ${JSON.stringify(recording.description)}::json${
        withOptions ? sql`, 'options', o.options::json` : sql``
      })`;
  // A plain move (get, success, fail for good) has no action or reason: its document is built without the
  // json_strip_nulls pass, which re-reads every document it is given.
  const moved = (more: SQL) =>
    sql`json_build_object('queue', ${queue}::text, 'id', c.item_id,
      'from', ${stageNameSql(sql`c.from_stage`)}, 'to', ${stageNameSql(sql`c.to_stage`)}${more})`;
  return {
    insert: (rows) => sql`
      INSERT INTO ${sql.raw(quoteIdentifier(recording.table))} (name, version, data, metadata, queue, item_id)
      SELECT
        CASE WHEN c.from_stage IS NULL THEN ${recording.addName}::text ELSE ${recording.moveName}::text END,
        ${ITEM_EVENT_VERSION}::int,
        CASE
          WHEN c.from_stage IS NULL AND o.options IS NULL THEN ${added(false)}
          WHEN c.from_stage IS NULL THEN ${added(true)}
          WHEN c.action IS NULL AND c.reason IS NULL AND c.attempt IS NULL THEN ${moved(sql``)}
          WHEN c.action IS NULL AND c.reason IS NULL THEN ${moved(sql`, 'attempt', c.attempt`)}
          ELSE json_strip_nulls(${moved(sql`, 'action', c.action, 'reason', c.reason, 'attempt', c.attempt`)})
        END,
        ${JSON.stringify(recording.metadata)}::json, ${queue}::text, c.item_id
      FROM (${rows}) AS c(position, item_id, from_stage, to_stage, action, reason, attempt, body)
      ${optionsJoin}
      ORDER BY c.position`,
  };
}
