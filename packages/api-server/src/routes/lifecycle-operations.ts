import { z } from "@hono/zod-openapi";
import type {
  Completion,
  FailOptions,
  Failure,
  GetOptions,
  ItemId,
  JsonValue,
  NewJob,
  SuccessOptions,
} from "@task-queue/queue-core";
import type { AppContext } from "../context.js";
import { type BodyOptions, readJsonBody, readOptionalJsonBody } from "../request-body.js";
import {
  CancelBody,
  CountParams,
  DeleteResult,
  ExtendBody,
  ExtendResult,
  GetQuery,
  ItemIdParams,
  ItemRecord,
  Job,
  MoveResult,
  PutJobsBody,
  PutResult,
  RescueResult,
} from "../schemas.js";
import { jobToWire, moveResultToWire, recordToWire } from "../wire.js";
import { checkNotifyUrls } from "./callback-operations.js";
import { type QueueRoute, queueRoute } from "./queue-route.js";

/**
 * The job lifecycle routes (issue 11): put with options, get with a lease and a wait, extend, cancel, delete,
 * retry_now, rescue_expired and the full item record. The legacy routes that gained optional lifecycle inputs
 * (get's query, success/fail's optional body) stay in queue-operations.ts.
 */

type GetQueryValue = z.infer<typeof GetQuery>;

/**
 * get's options from the query. The request's signal aborts a wait when the client goes away, so a client that
 * disconnected never takes items it cannot receive (waitForWork checks the signal before every take).
 */
export function getOptions(c: AppContext, query: GetQueryValue): GetOptions {
  return {
    ...(query.lease_seconds !== undefined ? { leaseSeconds: query.lease_seconds } : {}),
    ...(query.wait_seconds !== undefined
      ? { waitSeconds: query.wait_seconds, signal: c.req.raw.signal }
      : {}),
  };
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

interface SuccessWire {
  attempt?: number | undefined;
  result?: unknown;
}
interface FailWire {
  attempt?: number | undefined;
  reason?: string | undefined;
  retry_delay_seconds?: number | undefined;
}

/** success's options from the wire ({attempt?, result?}); a result that is present, even null, is passed on. */
export function successOptions(body: SuccessWire): SuccessOptions {
  const out: SuccessOptions = defined({ attempt: body.attempt });
  if ("result" in body) out.result = body.result as JsonValue;
  return out;
}

export function failOptions(body: FailWire): FailOptions {
  return defined({ attempt: body.attempt, reason: body.reason, retryDelaySeconds: body.retry_delay_seconds });
}

/** A batch entry from the wire: a bare id, or {item_id, …options}. */
export const completionFromWire = (
  entry: string | (SuccessWire & { item_id: string }),
): ItemId | Completion =>
  typeof entry === "string" ? entry : { id: entry.item_id, ...successOptions(entry) };
export const failureFromWire = (entry: string | (FailWire & { item_id: string })): ItemId | Failure =>
  typeof entry === "string" ? entry : { id: entry.item_id, ...failOptions(entry) };

async function readJobs(c: AppContext, options: BodyOptions): Promise<NewJob[]> {
  // Each item's body sits two levels below the root: the list, then the job object.
  const jobs = await readJsonBody(c, PutJobsBody, { ...options, nesting: 2 });
  return jobs.map((job) => {
    const out = defined({
      id: job.item_id,
      priority: job.priority,
      delaySeconds: job.delay_seconds,
      runAfter: job.run_after === undefined ? undefined : new Date(job.run_after),
      maxAttempts: job.max_attempts,
      notifyUrl: job.notify_url,
    }) as NewJob;
    // A missing body is left missing, so the queue's validation names it ("body is missing").
    if ("body" in job) out.body = job.body as JsonValue;
    return out;
  });
}

/** What the lifecycle routes share with the others: the bound on n, and the id-list reader. */
export interface SharedReaders {
  checkedCount(n: number): number;
  readIdList(c: AppContext): Promise<ItemId[]>;
  bodyOptions: BodyOptions;
  /** The callback allow-list notify URLs are checked against. */
  callbackHosts: readonly string[];
  /** The link to an item's job in the execution engine's UI, for the queue the request names; null: none. */
  workflowUrl(c: AppContext, itemId: ItemId): string | null;
}

export function lifecycleOperations({
  checkedCount,
  readIdList,
  bodyOptions,
  callbackHosts,
  workflowUrl,
}: SharedReaders): QueueRoute[] {
  return [
    queueRoute({
      operationId: "putJobs",
      method: "post",
      path: "put_jobs",
      summary:
        "Add items with options (priority, delay or run_after, max_attempts, notify_url); ids already present are skipped",
      body: { component: "PutJobsBody", description: "A list of {item_id, body, …options}" },
      response: { schema: PutResult, description: "Ids added and ids skipped" },
      errors: [413, 415],
      handle: async ({ c, queue }) => {
        const jobs = await readJobs(c, bodyOptions);
        checkNotifyUrls(
          jobs.map((job, index) => ({ loc: ["body", index, "notify_url"], url: job.notifyUrl })),
          callbackHosts,
        );
        return queue.putJobs(jobs);
      },
    }),
    queueRoute({
      operationId: "getJobs",
      method: "get",
      path: "get_jobs/{n_items}",
      summary:
        "Take up to n available items, with each one's attempt number (fencing token) and lease expiry",
      description:
        "Highest priority first, FIFO within a priority; delayed items wait. With wait_seconds the request is held " +
        "until work arrives or the time is up; a client that disconnects meanwhile takes nothing.",
      params: CountParams,
      query: GetQuery,
      response: { schema: z.array(Job), description: "The items handed out" },
      handle: async ({ c, queue, params, query }) =>
        (await queue.getJobs(checkedCount(params.n_items), getOptions(c, query))).map(jobToWire),
    }),
    queueRoute({
      operationId: "extend",
      method: "post",
      path: "extend/{item_id}",
      summary: "Renew the lease held by an attempt",
      description:
        "409 LEASE_LOST when the attempt no longer holds the item (its lease expired, or it was retried).",
      params: ItemIdParams,
      body: { component: "ExtendBody", description: "{lease_seconds, attempt}" },
      response: { schema: ExtendResult, description: "The new expiry" },
      errors: [400, 409, 413, 415],
      handle: async ({ c, queue, params }) => {
        const body = await readJsonBody(c, ExtendBody, bodyOptions);
        const expires = await queue.extend(params.item_id, {
          leaseSeconds: body.lease_seconds,
          attempt: body.attempt,
        });
        return { lease_expires_at: expires.toISOString() };
      },
    }),
    queueRoute({
      operationId: "cancel",
      method: "post",
      path: "cancel/{item_id}",
      summary: "Move a WAITING or PROCESSING item to FAIL with a reason (its running job is stopped)",
      params: ItemIdParams,
      body: { component: "CancelBody", description: "{reason?}; may be left out", optional: true },
      response: { schema: z.null(), description: "Cancelled" },
      errors: [400, 409, 413, 415],
      handle: async ({ c, queue, params }) => {
        const body = await readOptionalJsonBody(c, CancelBody, bodyOptions);
        await queue.cancel(params.item_id, body?.reason);
        return null;
      },
    }),
    queueRoute({
      operationId: "delete",
      method: "post",
      path: "delete",
      summary:
        "Remove items in WAITING, SUCCESS or FAIL for good; PROCESSING items (cancel first) are skipped",
      body: { component: "IdList", description: "A list of ids" },
      response: { schema: DeleteResult, description: "Ids deleted and ids skipped with the reason" },
      errors: [413, 415],
      handle: async ({ c, queue }) => {
        const result = await queue.delete(await readIdList(c));
        return { deleted: result.deleted, skipped: moveResultToWire(result) };
      },
    }),
    queueRoute({
      operationId: "retryNow",
      method: "post",
      path: "retry_now",
      summary: "Make delayed WAITING items available now (clears run_after); others are skipped",
      body: { component: "IdList", description: "A list of ids" },
      response: { schema: MoveResult, description: "Ids released and ids skipped with the reason" },
      errors: [413, 415],
      handle: async ({ c, queue }) => {
        const result = await queue.retryNow(await readIdList(c));
        return { moved: result.moved, skipped: moveResultToWire(result) };
      },
    }),
    queueRoute({
      operationId: "rescueExpired",
      method: "post",
      path: "rescue_expired",
      summary: "Treat every PROCESSING item whose lease expired as a failed attempt ('lease expired')",
      response: {
        schema: RescueResult,
        description: "Ids retried (back to WAITING) and ids failed for good",
      },
      handle: ({ queue }) => queue.rescueExpired(),
    }),
    queueRoute({
      operationId: "item",
      method: "get",
      path: "item/{item_id}",
      summary: "Every field of an item: stage, body, attempts, priority, lease, last error, result, times",
      params: ItemIdParams,
      response: { schema: ItemRecord, description: "The item's record" },
      errors: [400],
      handle: async ({ c, queue, params }) => {
        const record = recordToWire(await queue.lookupRecord(params.item_id));
        const url = workflowUrl(c, params.item_id);
        return url === null ? record : { ...record, workflow_url: url };
      },
    }),
  ];
}
