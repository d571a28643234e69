import { z } from "@hono/zod-openapi";
import { itemIdProblem, queueNameProblem, STAGE_NAMES } from "@task-queue/queue-core";

const itemId = z
  .string()
  .superRefine((id, ctx) => {
    const problem = itemIdProblem(id);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    description: "An item id: 1–512 UTF-8 bytes, no control characters. Percent-encode it in paths.",
  });

export const ItemIdParams = z.object({
  item_id: itemId.openapi({ param: { name: "item_id", in: "path" } }),
});

export const QueueNameParams = z.object({
  queue_name: z
    .string()
    .superRefine((name, ctx) => {
      const problem = queueNameProblem(name);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    })
    .openapi({ param: { name: "queue_name", in: "path" }, example: "thumbnails" }),
});

// The stage is checked in the handler, so that a bad one gets the contract's 400 rather than a 422.
export const StageParams = z.object({
  stage: z
    .string()
    .openapi({ param: { name: "stage", in: "path" }, enum: [...STAGE_NAMES], example: "WAITING" }),
});

export const CountParams = z.object({
  n_items: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "n_items must be a positive integer")
    .transform(Number)
    .openapi({ param: { name: "n_items", in: "path" }, type: "integer", minimum: 1, example: 10 }),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).optional().openapi({ type: "integer", minimum: 1 }),
  cursor: z
    .string()
    .superRefine((cursor, ctx) => {
      // A cursor is the last id of a page (empty: the first page); anything else was not given by this server.
      const problem = cursor === "" ? null : itemIdProblem(cursor);
      if (problem !== null)
        ctx.addIssue({ code: "custom", message: `not a cursor this server gave: ${problem}` });
    })
    .optional(),
});

export const JsonAny = z.unknown().openapi("JsonValue", { description: "Any JSON value" });

export const StageSizes = z
  .object({
    WAITING: z.number().int(),
    PROCESSING: z.number().int(),
    SUCCESS: z.number().int(),
    FAIL: z.number().int(),
  })
  .openapi("StageSizes");

export const StageNumber = z.number().int().min(0).max(3).openapi("StageNumber", {
  description: "0 WAITING, 1 PROCESSING, 2 SUCCESS, 3 FAIL",
});

export const ItemPairs = z.array(z.tuple([z.string(), JsonAny])).openapi("ItemPairs", {
  description: "[[item_id, item_body], …]",
});

export const LookupItem = z
  .object({ item_id: z.string(), status: StageNumber, item_body: JsonAny })
  .openapi("LookupItem");

export const Description = z
  .object({ implementation: z.string(), arguments: z.record(z.string(), JsonAny) })
  .openapi("Description");

/** `null` when everything happened; otherwise one message per skipped id (the contract's shape). */
export const SkipReport = z
  .object({ detail: z.array(z.string()) })
  .nullable()
  .openapi("SkipReport");

export const PutBody = z
  .record(z.string(), JsonAny)
  .openapi("PutBody", { description: "item id → item body" });
export const IdList = z.array(z.string()).openapi("IdList");
export const RequeueBody = z.union([z.string(), z.array(z.string())]).openapi("RequeueBody");

export const SkippedItem = z
  .object({
    id: z.string(),
    reason: z.enum(["NOT_FOUND", "WRONG_STAGE"]),
    stage: z.enum(["WAITING", "PROCESSING", "SUCCESS", "FAIL"]).optional(),
  })
  .openapi("SkippedItem");
export const MoveResult = z
  .object({ moved: z.array(z.string()), skipped: z.array(SkippedItem) })
  .openapi("MoveResult");
export const PutResult = z
  .object({ added: z.array(z.string()), skipped: z.array(z.string()) })
  .openapi("PutResult");
export const RequeueResult = z
  .object({ requeued: z.array(z.string()), skipped: z.array(SkippedItem) })
  .openapi("RequeueResult");
export const StatePage = z
  .object({ ids: z.array(z.string()), next_cursor: z.string().nullable() })
  .openapi("StatePage");

export const HistoryEntry = z
  .object({
    event_id: z.string(),
    time: z.string().openapi({ format: "date-time" }),
    kind: z.enum(["ADD", "MOVE"]),
    from: z.enum(["WAITING", "PROCESSING", "SUCCESS", "FAIL"]).nullable(),
    to: z.enum(["WAITING", "PROCESSING", "SUCCESS", "FAIL"]),
  })
  .openapi("HistoryEntry");

export const QueueSummary = z.object({ name: z.string(), sizes: StageSizes }).openapi("QueueSummary");

export const ValidationProblem = z
  .object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() })
  .openapi("ValidationProblem");

export const ErrorBody = z
  .object({
    detail: z.union([z.string(), z.array(ValidationProblem)]),
    request_id: z.string().optional(),
    item_id: z.string().optional(),
    action: z.string().optional(),
    from: z.string().optional(),
  })
  .openapi("Error", { description: "The machine-readable code is in the x-error-code header" });
