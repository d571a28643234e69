import type { z } from "@hono/zod-openapi";
import { type BodyOptions, readJsonBody } from "../request-body.js";
import { PurgeBody, PurgeResult } from "../schemas.js";
import { recordToWire } from "../wire.js";
import { type QueueRouteSpec, queueRoute } from "./queue-route.js";

/** Retention (issue 17): purge old items of a stage in small batches. */
export function retentionOperations(bodyOptions: BodyOptions): QueueRouteSpec[] {
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
  ];
}
