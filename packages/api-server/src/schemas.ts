import { z } from "@hono/zod-openapi";
import {
  itemIdProblem,
  MAX_ATTEMPTS_LIMIT,
  MAX_DELAY_SECONDS,
  MAX_LEASE_SECONDS,
  MAX_PRIORITY,
  MAX_WAIT_SECONDS,
  MIN_PRIORITY,
  queueNameProblem,
  STAGE_NAMES,
} from "@task-queue/queue-core";

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
  prefix: z.string().optional().openapi({ description: "Only ids that start with this" }),
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
    reason: z.enum(["NOT_FOUND", "WRONG_STAGE", "LEASE_LOST"]),
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
    reason: z.string().optional().openapi({
      description:
        'Why: a failure\'s reason, "lease expired", "job lost", a cancel\'s reason (at most 8 KiB)',
    }),
    action: z
      .string()
      .optional()
      .openapi({
        description:
          "What kind of move where the stages alone do not tell it: RETRY, RESCUE, CANCEL, DELETE (to repeats from: " +
          "the item was removed from that stage), REQUEUE",
      }),
  })
  .openapi("HistoryEntry");

export const ControllerStatusWire = z
  .object({
    last_tick_at: z.string().openapi({ format: "date-time" }),
    age_seconds: z.number().openapi({ description: "Seconds since the last tick, by the storage's clock" }),
    identity: z.string().openapi({ description: "The controller process (host/pid)" }),
    leader: z.boolean(),
    paused: z
      .boolean()
      .openapi({ description: "Its last tick released nothing because releasing was paused" }),
    period_seconds: z.number(),
    stale: z.boolean().openapi({
      description:
        "No tick for more than 3 periods (at least 10 s): the controller stopped or cannot reach the queue",
    }),
  })
  .openapi("ControllerStatus");

export const QueueSummary = z
  .object({
    name: z.string(),
    sizes: StageSizes,
    paused: z.boolean().nullable().openapi({
      description:
        "Whether controllers are paused from releasing; null when the backend stores no pause flag",
    }),
    controller: ControllerStatusWire.nullable().openapi({
      description:
        "The status the leading controller recorded at its last tick; null when none ever did (or the backend stores none)",
    }),
  })
  .openapi("QueueSummary");

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
    code: z.string().optional(),
    attempt: z.number().int().optional(),
    current_attempt: z.number().int().optional(),
  })
  .openapi("Error", { description: "The machine-readable code is in the x-error-code header" });

// ---- The job lifecycle (issue 11): options on put, leases, attempts as fencing tokens, reasons, results. ----
// Bounds come from queue-core, which checks them again; here they name the wire field and document the contract.

const stageName = z.enum(["WAITING", "PROCESSING", "SUCCESS", "FAIL"]);
const dateTime = z.string().openapi({ format: "date-time" });
const attempt = z
  .number()
  .int()
  .min(1)
  .openapi({ description: "The attempt number getJobs handed out with the item (its fencing token)" });
const leaseSeconds = z.number().positive().max(MAX_LEASE_SECONDS);
const delaySeconds = z.number().min(0).max(MAX_DELAY_SECONDS);

/** A number of seconds in a query string, e.g. "30" or "0.5". */
function secondsQuery(name: string, min: number, max: number, minExclusive: boolean) {
  const bound = minExclusive ? `more than ${min}` : `at least ${min}`;
  return z
    .string()
    .regex(/^[0-9]{1,9}(\.[0-9]{1,6})?$/, `${name} must be a number of seconds`)
    .transform(Number)
    .refine(
      (n) => (minExclusive ? n > min : n >= min) && n <= max,
      `${name} must be ${bound} and at most ${max}`,
    )
    .optional()
    .openapi({
      type: "number",
      ...(minExclusive ? { exclusiveMinimum: min } : { minimum: min }),
      maximum: max,
    });
}

export const GetQuery = z.object({
  lease_seconds: secondsQuery("lease_seconds", 0, MAX_LEASE_SECONDS, true).openapi({
    description:
      "Hand the items out under a lease: unless extended or completed in time, the attempt counts as failed",
  }),
  wait_seconds: secondsQuery("wait_seconds", 0, MAX_WAIT_SECONDS, false).openapi({
    description: "When nothing is available, hold the request up to this long for work before answering []",
  }),
});

export const NewJobWire = z
  .strictObject({
    item_id: z.string(),
    body: JsonAny,
    priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY).optional(),
    delay_seconds: delaySeconds.optional(),
    run_after: z.iso.datetime({ offset: true }).optional().openapi({ format: "date-time" }),
    max_attempts: z.number().int().min(1).max(MAX_ATTEMPTS_LIMIT).optional(),
    notify_url: z.string().optional().openapi({
      description: "http(s) URL POSTed a signed callback when the item reaches SUCCESS or FAIL",
    }),
  })
  .openapi("NewJob", {
    description:
      "An item with its options: higher priority first; not before run_after (or now + delay_seconds); notify_url called when it finishes",
  });
export const PutJobsBody = z.array(NewJobWire).openapi("PutJobsBody");

export const Job = z
  .object({
    item_id: z.string(),
    body: JsonAny,
    attempt: z.number().int(),
    lease_expires_at: dateTime.nullable(),
  })
  .openapi("Job");

export const ExtendBody = z
  .strictObject({ lease_seconds: leaseSeconds, attempt })
  .openapi("ExtendBody", { description: "Renew the lease held by this attempt to now + lease_seconds" });
export const ExtendResult = z.object({ lease_expires_at: dateTime }).openapi("ExtendResult");

export const SuccessBody = z
  .strictObject({ attempt: attempt.optional(), result: JsonAny.optional() })
  .openapi("SuccessBody", {
    description: "Optional: fence the call to an attempt; store a JSON result (≤ 64 KiB)",
  });
export const FailBody = z
  .strictObject({
    attempt: attempt.optional(),
    reason: z.string().optional(),
    retry_delay_seconds: delaySeconds.optional(),
  })
  .openapi("FailBody", {
    description:
      "Optional: fence the call to an attempt; the reason becomes last_error (cut to 8 KiB); retry_delay_seconds " +
      "overrides the queue's backoff when the item is retried",
  });
export const FailOutcomeWire = z
  .object({ stage: z.enum(["WAITING", "FAIL"]) })
  .openapi("FailOutcome", { description: "WAITING: retried (attempts left); FAIL: final" });
export const CancelBody = z.strictObject({ reason: z.string().optional() }).openapi("CancelBody");

export const CompletionList = z
  .array(
    z.union([
      z.string(),
      z.strictObject({ item_id: z.string(), attempt: attempt.optional(), result: JsonAny.optional() }),
    ]),
  )
  .openapi("CompletionList", { description: "Ids, or {item_id, attempt?, result?} objects" });
export const FailureList = z
  .array(
    z.union([
      z.string(),
      z.strictObject({
        item_id: z.string(),
        attempt: attempt.optional(),
        reason: z.string().optional(),
        retry_delay_seconds: delaySeconds.optional(),
      }),
    ]),
  )
  .openapi("FailureList", {
    description: "Ids, or {item_id, attempt?, reason?, retry_delay_seconds?} objects",
  });

export const FailManyResult = z
  .object({ moved: z.array(z.string()), retried: z.array(z.string()), skipped: z.array(SkippedItem) })
  .openapi("FailManyResult", {
    description: "moved left PROCESSING; of those, retried went back to WAITING",
  });
export const DeleteResult = z
  .object({
    deleted: z.array(z.string()),
    skipped: z.array(
      z.object({
        id: z.string(),
        reason: z.enum(["NOT_FOUND", "WRONG_STAGE"]),
        stage: stageName.optional(),
      }),
    ),
  })
  .openapi("DeleteResult", { description: "A PROCESSING item is skipped (WRONG_STAGE): cancel it first" });
export const RescueResult = z
  .object({ retried: z.array(z.string()), failed: z.array(z.string()) })
  .openapi("RescueResult");

export const ItemRecord = z
  .object({
    item_id: z.string(),
    stage: stageName,
    body: JsonAny,
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    priority: z.number().int(),
    run_after: dateTime.nullable(),
    lease_expires_at: dateTime.nullable(),
    last_error: z.string().nullable(),
    result: JsonAny,
    created_at: dateTime,
    updated_at: dateTime,
    workflow_url: z.string().optional().openapi({
      description:
        "The item's job in the execution engine's UI (its Argo workflow), when the server is configured with one (ARGO_UI_URL)",
    }),
  })
  .openapi("ItemRecord", { description: "Every field the queue keeps about an item" });

export const PurgeBody = z
  .strictObject({
    stage: z.enum(["WAITING", "SUCCESS", "FAIL"]),
    older_than_seconds: z.number().min(0),
    limit: z.number().int().min(1).optional(),
    with_records: z.boolean().optional(),
  })
  .openapi("PurgeBody", {
    description: "Which items to remove: a stage, an age in seconds since their last change, at most `limit`",
  });
export const PurgeResult = z
  .object({ purged: z.number().int(), records: z.array(ItemRecord).optional() })
  .openapi("PurgeResult");

export const StatsQuery = z.object({
  since_seconds: z.coerce
    .number()
    .positive()
    .optional()
    .openapi({ description: "Window: items that finished in the last this many seconds (default 3600)" }),
});
export const QueueStatsWire = z
  .object({
    since: z.string().openapi({ format: "date-time" }),
    since_seconds: z.number(),
    sizes: StageSizes,
    done: z.number().int(),
    failed: z.number().int(),
    done_per_minute: z.number(),
    failed_per_minute: z.number(),
    duration_seconds: z.object({
      median: z.number().nullable(),
      p95: z.number().nullable(),
      measures: z.enum(["put-to-finish", "processing"]),
    }),
    oldest_waiting_seconds: z.number().nullable(),
    top_failures: z.array(z.object({ reason: z.string(), count: z.number().int() })),
    series: z
      .object({
        bucket_seconds: z.number().int(),
        done: z.array(z.number().int()),
        failed: z.array(z.number().int()),
      })
      .openapi({
        description:
          "Items finished per bucket, oldest first: bucket i starts at since + i × bucket_seconds (60 s, wider for windows over an hour, at most 60 buckets)",
      }),
    source: z.enum(["items", "events"]),
  })
  .openapi("QueueStats", { description: "What the queue did over a window, and its sizes now" });
