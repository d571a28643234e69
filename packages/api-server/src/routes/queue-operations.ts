import { z } from "@hono/zod-openapi";
import { hasHistory, type ItemId, itemIdProblem, type JsonValue } from "@task-queue/queue-core";
import type { AppContext } from "../context.js";
import { historyNotRecorded, RequestValidationError } from "../http-errors.js";
import { type BodyOptions, readJsonBody, zodProblems } from "../request-body.js";
import {
  CountParams,
  Description,
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
} from "../schemas.js";
import {
  historyToWire,
  moveResultToWire,
  putSkipMessage,
  requeueSkipMessage,
  skipReport,
  stageFromPath,
} from "../wire.js";
import { type QueueRouteSpec, queueRoute } from "./queue-route.js";

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

/** Parses a list of ids (or one id) and rejects it whole, naming each bad id, before the queue sees any. */
async function readIdList(c: AppContext, oneIdAllowed: boolean, options: BodyOptions): Promise<ItemId[]> {
  // A lone string is checked as such; anything else against the list schema, so errors point at the bad element.
  const body = await readJsonBody(c, z.unknown(), options);
  const ids = typeof body === "string" && oneIdAllowed ? [body] : parseIdList(body);
  const problems = ids.flatMap((id, index) => {
    const problem = itemIdProblem(id);
    return problem === null ? [] : [{ loc: ["body", index], msg: problem, type: "value_error" }];
  });
  if (problems.length > 0) throw new RequestValidationError(problems, "INVALID_ITEM");
  return ids;
}

function parseIdList(body: unknown): string[] {
  const result = IdList.safeParse(body);
  if (!result.success) throw new RequestValidationError(zodProblems("body", result.error.issues));
  return result.data;
}

/** Every queue operation of the API; each is served for the default queue and for named queues. */
export function queueOperations(options: BodyOptions & { maxItems: number }): QueueRouteSpec[] {
  const { maxItems } = options;
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
      handle: ({ queue }) => queue.sizes(),
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
      params: CountParams,
      response: { schema: ItemPairs, description: "[[id, body], …], oldest first" },
      handle: ({ queue, params }) => queue.get(checkedCount(params.n_items, maxItems)),
    }),
    queueRoute({
      operationId: "peek",
      method: "get",
      path: "peek/{n_items}",
      summary: "The items get would return, moving nothing",
      params: CountParams,
      response: { schema: ItemPairs, description: "[[id, body], …], oldest first" },
      handle: ({ queue, params }) => queue.peek(checkedCount(params.n_items, maxItems)),
    }),
    queueRoute({
      operationId: "put",
      method: "post",
      path: "put",
      summary: "Add items; ids already present are skipped",
      body: { component: "PutBody", description: "An object of item id → item body" },
      response: { schema: SkipReport, description: "null, or one message per skipped id" },
      errors: [413, 415],
      handle: async ({ c, queue }) =>
        skipReport((await queue.put(await readPutBatch(c, options))).skipped, putSkipMessage),
    }),
    queueRoute({
      operationId: "putDetailed",
      method: "post",
      path: "put_detailed",
      summary: "Add items, answering which ids were added and which skipped",
      body: { component: "PutBody", description: "An object of item id → item body" },
      response: { schema: PutResult, description: "Ids added and ids skipped" },
      errors: [413, 415],
      handle: async ({ c, queue }) => queue.put(await readPutBatch(c, options)),
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
    ...(["success", "fail"] as const).flatMap((action) => [
      queueRoute({
        operationId: action,
        method: "post",
        path: `${action}/{item_id}`,
        summary: `Move one item PROCESSING → ${action === "success" ? "SUCCESS" : "FAIL"}`,
        params: ItemIdParams,
        response: { schema: z.null(), description: "Moved" },
        errors: [400, 409],
        handle: async ({ queue, params }) => {
          await (action === "success" ? queue.success(params.item_id) : queue.fail(params.item_id));
          return null;
        },
      }),
      queueRoute({
        operationId: `${action}Many`,
        method: "post",
        path: action,
        summary: `Move many items PROCESSING → ${action === "success" ? "SUCCESS" : "FAIL"}; others are skipped`,
        body: { component: "IdList", description: "A list of ids" },
        response: { schema: MoveResult, description: "Ids moved and ids skipped with the reason" },
        errors: [413, 415],
        handle: async ({ c, queue }) => {
          const ids = await readIdList(c, false, options);
          const result = await (action === "success" ? queue.successMany(ids) : queue.failMany(ids));
          return { moved: result.moved, skipped: moveResultToWire(result) };
        },
      }),
    ]),
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
