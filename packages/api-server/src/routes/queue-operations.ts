import { z } from "@hono/zod-openapi";
import {
  hasCallbacks,
  hasHistory,
  type ItemId,
  itemIdProblem,
  type JsonValue,
  type Queue,
  type PutResult as QueuePutResult,
  type StageSizes as QueueStageSizes,
} from "@task-queue/queue-core";
import type { AppContext } from "../context.js";
import { FreshReads } from "../fresh-reads.js";
import { historyNotRecorded, RequestValidationError } from "../http-errors.js";
import type { ResolvedOptions } from "../options.js";
import { type BodyOptions, readJsonBody, readOptionalJsonBody, zodProblems } from "../request-body.js";
import {
  CompletionList,
  CountParams,
  Description,
  FailBody,
  FailManyResult,
  FailOutcomeWire,
  FailureList,
  GetQuery,
  HistoryEntry,
  IdList,
  ItemIdParams,
  ItemPairs,
  LookupItem,
  MoveResult,
  PageQuery,
  PutBody,
  PutResult,
  RequeueResult,
  SkipReport,
  StageParams,
  StageSizes,
  StatePage,
  SuccessBody,
} from "../schemas.js";
import {
  historyToWire,
  moveResultToWire,
  putSkipMessage,
  requeueSkipMessage,
  skipReport,
  stageFromPath,
} from "../wire.js";
import { callbackOperations, checkNotifyUrls } from "./callback-operations.js";
import {
  completionFromWire,
  failOptions,
  failureFromWire,
  getOptions,
  lifecycleOperations,
  successOptions,
} from "./lifecycle-operations.js";
import { pauseOperations } from "./pause-operations.js";
import { type QueueRoute, queueRoute } from "./queue-route.js";
import { retentionOperations } from "./retention-operations.js";

function checkedCount(n: number, max: number): number {
  if (n > max) {
    throw new RequestValidationError([
      { loc: ["path", "n_items"], msg: `n_items must be at most ${max}, got ${n}`, type: "less_than_equal" },
    ]);
  }
  return n;
}

/**
 * Parses a put body. Items are validated once, by the queue (every Queue rejects a bad batch whole before writing,
 * as the conformance suite checks), and its InvalidItem becomes the 422 that names every bad id.
 */
async function readPutBatch(c: AppContext, options: BodyOptions): Promise<Record<ItemId, JsonValue>> {
  return (await readJsonBody(c, PutBody, { ...options, items: true })) as Record<ItemId, JsonValue>;
}

/**
 * The legacy put, with the callback option the FastAPI task service took: an item whose body is an object with a
 * top-level `notify_url` is called back there when it finishes (the body is stored as given). The batch keeps the
 * legacy shape, id → body, so every id stays an item, `notify_url` included. Where the backend delivers no callbacks
 * (S3) the field is only part of the body, as before. The answer is the same either way.
 */
async function putBatch(c: AppContext, queue: Queue, options: PutOptions): Promise<QueuePutResult> {
  const batch = await readPutBatch(c, options);
  const urls = hasCallbacks(queue)
    ? Object.entries(batch).flatMap(([id, body]) =>
        isJsonObject(body) && Object.hasOwn(body, "notify_url") ? [{ id, url: body.notify_url }] : [],
      )
    : [];
  if (urls.length === 0) return queue.put(batch);
  checkNotifyUrls(
    urls.map(({ id, url }) => ({ loc: ["body", id, "notify_url"], url })),
    options.callbackHosts,
  );
  const notify = new Map(urls.map(({ id, url }) => [id, url as string]));
  return queue.putJobs(
    Object.entries(batch).map(([id, body]) => {
      const notifyUrl = notify.get(id);
      return notifyUrl === undefined ? { id, body } : { id, body, notifyUrl };
    }),
  );
}

function isJsonObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type PutOptions = BodyOptions & { callbackHosts: readonly string[] };

/** Parses a list of ids (or one id) and rejects it whole, naming each bad id, before the queue sees any. */
async function readIdList(c: AppContext, oneIdAllowed: boolean, options: BodyOptions): Promise<ItemId[]> {
  // A lone string is checked as such; anything else against the list schema, so errors point at the bad element.
  const body = await readJsonBody(c, z.unknown(), options);
  const ids = typeof body === "string" && oneIdAllowed ? [body] : parseIdList(body);
  rejectBadIds(ids);
  return ids;
}

/** Rejects a batch whole, naming each bad id by its index, before the queue sees any (non-strings are not ids here). */
function rejectBadIds(entries: readonly unknown[]): void {
  const problems = entries.flatMap((entry, index) => {
    const problem = typeof entry === "string" ? itemIdProblem(entry) : null;
    return problem === null ? [] : [{ loc: ["body", index], msg: problem, type: "value_error" }];
  });
  if (problems.length > 0) throw new RequestValidationError(problems, "INVALID_ITEM");
}

/**
 * Parses a batch of completions or failures: bare ids or objects. Bare ids are checked as readIdList checks them;
 * object entries are checked by the queue, whose InvalidItem names each bad id.
 */
async function readCompletions<T>(c: AppContext, schema: z.ZodType<T[]>, options: BodyOptions): Promise<T[]> {
  const entries: T[] = await readJsonBody(c, schema, options);
  rejectBadIds(entries);
  return entries;
}

function parseIdList(body: unknown): string[] {
  const result = IdList.safeParse(body);
  if (!result.success) throw new RequestValidationError(zodProblems("body", result.error.issues));
  return result.data;
}

/** Every queue operation of the API; each is served for the default queue and for named queues. */
export function queueOperations(
  options: PutOptions & Pick<ResolvedOptions, "maxItems" | "defaultQueue" | "workflowUrl">,
): QueueRoute[] {
  const { maxItems } = options;
  const count = (n: number) => checkedCount(n, maxItems);
  const sizes = new FreshReads<QueueStageSizes>();
  return [
    queueRoute({
      operationId: "size",
      method: "get",
      path: "size/{stage}",
      summary: "Number of items in one stage",
      params: StageParams,
      response: { schema: z.number().int(), description: "The count" },
      errors: [400],
      handle: ({ queue, params }) => queue.size(stageFromPath(params.stage)),
    }),
    queueRoute({
      operationId: "sizes",
      method: "get",
      path: "sizes",
      summary: "Number of items in every stage",
      response: { schema: StageSizes, description: "Counts by stage name" },
      // Coalesced per queue: the route every dashboard and poller hits (FreshReads keeps read-your-writes).
      handle: ({ c, queue }) => sizes.read(c.req.param("queue_name") ?? "", () => queue.sizes()),
    }),
    queueRoute({
      operationId: "status",
      method: "get",
      path: "status/{item_id}",
      summary: "The stage of an item, as 0–3",
      params: ItemIdParams,
      response: {
        schema: z.number().int().min(0).max(3),
        description: "0 WAITING, 1 PROCESSING, 2 SUCCESS, 3 FAIL",
      },
      errors: [400],
      handle: ({ queue, params }) => queue.lookupStatus(params.item_id),
    }),
    queueRoute({
      operationId: "lookupState",
      method: "get",
      path: "lookup_state/{stage}",
      summary: "Every id in one stage",
      params: StageParams,
      response: { schema: z.array(z.string()), description: "The ids" },
      errors: [400],
      handle: async ({ queue, params }) => (await queue.lookupState(stageFromPath(params.stage))).ids,
    }),
    queueRoute({
      operationId: "lookupStatePage",
      method: "get",
      path: "lookup_state_page/{stage}",
      summary: "One page of the ids in a stage",
      description:
        "Pass next_cursor of a page as cursor to read the next one; next_cursor is null on the last page.",
      params: StageParams,
      query: PageQuery,
      response: { schema: StatePage, description: "A page of ids" },
      errors: [400],
      handle: async ({ queue, params, query }) => {
        const page = await queue.lookupState(stageFromPath(params.stage), {
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
          ...(query.prefix !== undefined ? { prefix: query.prefix } : {}),
        });
        return { ids: page.ids, next_cursor: page.nextCursor };
      },
    }),
    queueRoute({
      operationId: "lookupItem",
      method: "get",
      path: "lookup_item/{item_id}",
      summary: "An item: id, stage and body",
      params: ItemIdParams,
      response: { schema: LookupItem, description: "The item" },
      errors: [400],
      handle: async ({ queue, params }) => {
        const item = await queue.lookupItem(params.item_id);
        return { item_id: item.itemId, status: item.status, item_body: item.itemBody };
      },
    }),
    queueRoute({
      operationId: "describe",
      method: "get",
      path: "describe",
      summary: "The implementation behind the queue and its (secret-free) arguments",
      response: { schema: Description, description: "The description" },
      handle: ({ queue }) => queue.description(),
    }),
    queueRoute({
      operationId: "get",
      method: "get",
      path: "get/{n_items}",
      summary: "Take up to n WAITING items, moving them to PROCESSING",
      description:
        "lease_seconds and wait_seconds as for get_jobs; the answer keeps the [[id, body], …] form.",
      params: CountParams,
      query: GetQuery,
      response: { schema: ItemPairs, description: "[[id, body], …], oldest first" },
      handle: ({ c, queue, params, query }) => queue.get(count(params.n_items), getOptions(c, query)),
    }),
    queueRoute({
      operationId: "peek",
      method: "get",
      path: "peek/{n_items}",
      summary: "The items get would return, moving nothing",
      params: CountParams,
      response: { schema: ItemPairs, description: "[[id, body], …], oldest first" },
      handle: ({ queue, params }) => queue.peek(count(params.n_items)),
    }),
    queueRoute({
      operationId: "put",
      method: "post",
      path: "put",
      summary: "Add items; ids already present are skipped",
      body: { component: "PutBody", description: "An object of item id → item body" },
      response: { schema: SkipReport, description: "null, or one message per skipped id" },
      errors: [413, 415],
      handle: async ({ c, queue }) => skipReport((await putBatch(c, queue, options)).skipped, putSkipMessage),
    }),
    queueRoute({
      operationId: "putDetailed",
      method: "post",
      path: "put_detailed",
      summary: "Add items, answering which ids were added and which skipped",
      body: { component: "PutBody", description: "An object of item id → item body" },
      response: { schema: PutResult, description: "Ids added and ids skipped" },
      errors: [413, 415],
      handle: async ({ c, queue }) => putBatch(c, queue, options),
    }),
    queueRoute({
      operationId: "requeue",
      method: "post",
      path: "requeue",
      summary: "Move FAIL items back to WAITING; other ids are skipped",
      body: { component: "RequeueBody", description: "An id or a list of ids" },
      response: { schema: SkipReport, description: "null, or one message per skipped id" },
      errors: [413, 415],
      handle: async ({ c, queue }) => {
        const result = await queue.requeue(await readIdList(c, true, options));
        return skipReport(
          result.skipped.map((s) => s.id),
          requeueSkipMessage,
        );
      },
    }),
    queueRoute({
      operationId: "requeueDetailed",
      method: "post",
      path: "requeue_detailed",
      summary: "Move FAIL items back to WAITING, answering which moved and why others did not",
      body: { component: "RequeueBody", description: "An id or a list of ids" },
      response: { schema: RequeueResult, description: "Ids requeued and ids skipped with the reason" },
      errors: [413, 415],
      handle: async ({ c, queue }) => {
        const result = await queue.requeue(await readIdList(c, true, options));
        return { requeued: result.requeued, skipped: moveResultToWire(result) };
      },
    }),
    queueRoute({
      operationId: "success",
      method: "post",
      path: "success/{item_id}",
      summary: "Move one item PROCESSING → SUCCESS",
      description:
        "Without a body, exactly the original route. A body {attempt?, result?} fences the call to that attempt " +
        "(409 LEASE_LOST when it no longer holds the item) and stores the result.",
      params: ItemIdParams,
      body: { component: "SuccessBody", description: "{attempt?, result?}; may be left out", optional: true },
      response: { schema: z.null(), description: "Moved" },
      errors: [400, 409, 413, 415],
      handle: async ({ c, queue, params }) => {
        const body = await readOptionalJsonBody(c, SuccessBody, options);
        await (body === undefined
          ? queue.success(params.item_id)
          : queue.success(params.item_id, successOptions(body)));
        return null;
      },
    }),
    queueRoute({
      operationId: "fail",
      method: "post",
      path: "fail/{item_id}",
      summary: "A failed attempt: back to WAITING while attempts remain, else PROCESSING → FAIL",
      description:
        "Without a body, exactly the original route (answers null). With a body {attempt?, reason?, " +
        "retry_delay_seconds?} (even {}), the answer names where the item went; a stale attempt is 409 LEASE_LOST.",
      params: ItemIdParams,
      body: {
        component: "FailBody",
        description: "{attempt?, reason?, retry_delay_seconds?}; may be left out",
        optional: true,
      },
      response: {
        schema: z.union([z.null(), FailOutcomeWire]),
        description: "null without a body; {stage} with one",
      },
      errors: [400, 409, 413, 415],
      handle: async ({ c, queue, params }) => {
        const body = await readOptionalJsonBody(c, FailBody, options);
        if (body === undefined) {
          await queue.fail(params.item_id);
          return null;
        }
        return { stage: await queue.fail(params.item_id, failOptions(body)) };
      },
    }),
    queueRoute({
      operationId: "successMany",
      method: "post",
      path: "success",
      summary: "Move many items PROCESSING → SUCCESS; others (and stale attempts) are skipped",
      body: { component: "CompletionList", description: "Ids, or {item_id, attempt?, result?} objects" },
      response: { schema: MoveResult, description: "Ids moved and ids skipped with the reason" },
      errors: [413, 415],
      handle: async ({ c, queue }) => {
        const result = await queue.successMany(
          (await readCompletions(c, CompletionList, options)).map(completionFromWire),
        );
        return { moved: result.moved, skipped: moveResultToWire(result) };
      },
    }),
    queueRoute({
      operationId: "failMany",
      method: "post",
      path: "fail",
      summary: "Fail many attempts at once (retried while attempts remain, else FAIL); others are skipped",
      body: {
        component: "FailureList",
        description: "Ids, or {item_id, attempt?, reason?, retry_delay_seconds?} objects",
      },
      response: {
        schema: FailManyResult,
        description: "Ids moved (of those, retried) and ids skipped with the reason",
      },
      errors: [413, 415],
      handle: async ({ c, queue }) => {
        const result = await queue.failMany(
          (await readCompletions(c, FailureList, options)).map(failureFromWire),
        );
        return { moved: result.moved, retried: result.retried, skipped: moveResultToWire(result) };
      },
    }),
    ...lifecycleOperations({
      checkedCount: count,
      readIdList: (c) => readIdList(c, false, options),
      bodyOptions: options,
      callbackHosts: options.callbackHosts,
      workflowUrl: (c, id) => options.workflowUrl(c.req.param("queue_name") ?? options.defaultQueue, id),
    }),
    ...retentionOperations(options),
    ...pauseOperations(),
    ...callbackOperations(options, options.callbackHosts),
    queueRoute({
      operationId: "history",
      method: "get",
      path: "history/{item_id}",
      summary: "Every recorded step of an item's life",
      description: "404 when the server does not record events for this queue.",
      params: ItemIdParams,
      response: { schema: z.array(HistoryEntry), description: "The events, oldest first" },
      errors: [400, 404],
      handle: async ({ queue, params }) => {
        if (!hasHistory(queue)) throw historyNotRecorded();
        return historyToWire(await queue.history(params.item_id));
      },
    }),
  ];
}
