import type { z } from "@hono/zod-openapi";
import { hasStats, statsToJson } from "@task-queue/queue-core";
import { HttpLayerError } from "../http-errors.js";
import { type BodyOptions, readJsonBody } from "../request-body.js";
import { PurgeBody, PurgeResult, QueueStatsWire, StatsQuery } from "../schemas.js";
import { recordToWire } from "../wire.js";
import { type QueueRoute, queueRoute } from "./queue-route.js";

/** Retention and reports (issue 17): purge old items of a stage in small batches; stats over a window. */
export function retentionOperations(bodyOptions: BodyOptions): QueueRoute[] {
  return [
    queueRoute({
      operationId: "purge",
      method: "post",
      path: "purge",
      summary: "Remove items of a stage (WAITING, SUCCESS or FAIL) whose last change is older than an age",
      description:
        "Oldest first, up to `limit`, in small batches (each a short statement: no long lock). With " +
        "`with_records` (and a limit ≤ 10000) the removed items are returned, e.g. to archive them.",
      body: { component: "PurgeBody", description: "{stage, older_than_seconds, limit?, with_records?}" },
      response: { schema: PurgeResult, description: "How many items were removed (and, if asked, which)" },
      errors: [413],
      handle: async ({ c, queue }) => {
        const body = await readJsonBody(c, PurgeBody, bodyOptions);
        const result = await queue.purge({
          stage: body.stage,
          olderThanSeconds: body.older_than_seconds,
          ...(body.limit !== undefined ? { limit: body.limit } : {}),
          ...(body.with_records ? { withRecords: true } : {}),
        });
        const out: z.infer<typeof PurgeResult> = { purged: result.purged };
        if (result.records) out.records = result.records.map(recordToWire);
        return out;
      },
    }),
    queueRoute({
      operationId: "stats",
      method: "get",
      path: "stats",
      summary:
        "Sizes, done and failed per minute, median and p95 duration, oldest waiting age, top failure reasons",
      description: "Over the items that finished in the last since_seconds (default one hour).",
      query: StatsQuery,
      response: { schema: QueueStatsWire, description: "The queue's stats" },
      errors: [404],
      handle: async ({ queue, query }) => {
        if (!hasStats(queue))
          throw new HttpLayerError(404, "NOT_FOUND", "this queue's backend keeps no stats");
        const stats = await queue.stats(
          query.since_seconds === undefined ? {} : { sinceSeconds: query.since_seconds },
        );
        return statsToJson(stats);
      },
    }),
  ];
}
