import {
  assertCount,
  assertItemId,
  type HistoryEntry,
  InvalidArgument,
  type ItemId,
  idList,
  type JsonValue,
  type MoveResult,
  normalizePage,
  type PageRequest,
  type PutResult,
  parseStage,
  type QueueDescription,
  type QueueItem,
  type QueueItemStage,
  type QueueWithHistory,
  type RequeueResult,
  type StageSizes,
  type StatePage,
  stageName,
  validatePutBatch,
} from "@task-queue/queue-core";
import createClient, { defaultPathSerializer } from "openapi-fetch";
import { errorFromResponse } from "./errors.js";
import type { components, paths } from "./generated/openapi.js";
import { createTransport, resolveEndpoint, type TransportOptions } from "./transport.js";

export type ApiClientOptions = TransportOptions;
export type QueueSummary = components["schemas"]["QueueSummary"];

const NAMED_PREFIX = "/api/v1/queues/{queue_name}/";
const DEFAULT_PREFIX = "/api/v1/queue/";

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw errorFromResponse(response, error);
  return data as T;
}

// "." and ".." are dot segments: every URL parser resolves them away, even percent-encoded, so they cannot be
// sent as a path parameter.
function pathId(id: unknown): ItemId {
  assertItemId(id);
  if (id === "." || id === "..") {
    throw new InvalidArgument(
      "item_id",
      `${JSON.stringify(id)} cannot be sent in a URL path; use the batch operations`,
    );
  }
  return id;
}

// The spec types a pair as a two-item array (prefixItems), which openapi-typescript widens to unknown[].
const pairs = (data: unknown[][]): Array<[ItemId, JsonValue]> => data as Array<[ItemId, JsonValue]>;

/**
 * A Queue over the task-queue HTTP API. Without a queue name it drives the server's default queue
 * (/api/v1/queue/…, the routes of the system we replace); `queue(name)` gives a client for a named queue.
 * Arguments are checked here with queue-core's rules before anything is sent, and error answers become
 * queue-core's typed errors again.
 */
export class ApiClient implements QueueWithHistory {
  readonly queueName: string | null;
  private readonly options: ApiClientOptions;
  private readonly http;

  constructor(options: ApiClientOptions, queueName: string | null = null) {
    this.options = options;
    this.queueName = queueName;
    const endpoint = resolveEndpoint(options);
    this.http = createClient<paths>({
      baseUrl: endpoint.baseUrl,
      fetch: createTransport(endpoint, options),
      // Every call names the queue; the default queue has routes of its own without the name.
      pathSerializer: (url, params) =>
        defaultPathSerializer(queueName === null ? url.replace(NAMED_PREFIX, DEFAULT_PREFIX) : url, params),
    });
  }

  /** A client for a named queue on the same server. */
  queue(name: string): ApiClient {
    return new ApiClient(this.options, name);
  }

  /** The server's default queue and every queue holding items, with their sizes. */
  async listQueues(): Promise<QueueSummary[]> {
    return unwrap(this.http.GET("/api/v1/queues"));
  }

  private get queuePath() {
    return { queue_name: this.queueName ?? "" };
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    // Validated here too: JSON.stringify would silently drop undefined and functions rather than reject them.
    validatePutBatch(items);
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/put_detailed", {
        params: { path: this.queuePath },
        body: items,
      }),
    );
  }

  async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n, Number.MAX_SAFE_INTEGER);
    if (n === 0) return [];
    const path = { ...this.queuePath, n_items: n };
    return pairs(
      await unwrap(this.http.GET("/api/v1/queues/{queue_name}/get/{n_items}", { params: { path } })),
    );
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n, Number.MAX_SAFE_INTEGER);
    if (n === 0) return [];
    const path = { ...this.queuePath, n_items: n };
    return pairs(
      await unwrap(this.http.GET("/api/v1/queues/{queue_name}/peek/{n_items}", { params: { path } })),
    );
  }

  async success(id: ItemId): Promise<void> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    await unwrap(this.http.POST("/api/v1/queues/{queue_name}/success/{item_id}", { params: { path } }));
  }

  async fail(id: ItemId): Promise<void> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    await unwrap(this.http.POST("/api/v1/queues/{queue_name}/fail/{item_id}", { params: { path } }));
  }

  async successMany(ids: readonly ItemId[]): Promise<MoveResult> {
    const body = idList(ids);
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/success", { params: { path: this.queuePath }, body }),
    );
  }

  async failMany(ids: readonly ItemId[]): Promise<MoveResult> {
    const body = idList(ids);
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/fail", { params: { path: this.queuePath }, body }),
    );
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    const body = idList(ids);
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/requeue_detailed", {
        params: { path: this.queuePath },
        body,
      }),
    );
  }

  async size(stage: QueueItemStage): Promise<number> {
    const path = { ...this.queuePath, stage: stageName(parseStage(stage)) };
    return unwrap(this.http.GET("/api/v1/queues/{queue_name}/size/{stage}", { params: { path } }));
  }

  async sizes(): Promise<StageSizes> {
    return unwrap(this.http.GET("/api/v1/queues/{queue_name}/sizes", { params: { path: this.queuePath } }));
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    return parseStage(
      await unwrap(this.http.GET("/api/v1/queues/{queue_name}/status/{item_id}", { params: { path } })),
    );
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    const item = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/lookup_item/{item_id}", { params: { path } }),
    );
    return { itemId: item.item_id, status: parseStage(item.status), itemBody: item.item_body as JsonValue };
  }

  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    const path = { ...this.queuePath, stage: stageName(parseStage(stage)) };
    if (page === undefined) {
      const ids = await unwrap(
        this.http.GET("/api/v1/queues/{queue_name}/lookup_state/{stage}", { params: { path } }),
      );
      return { ids, nextCursor: null };
    }
    // Checked here as every queue checks it: a cursor that is no id could not even be put in a URL.
    const checked = normalizePage(page) as { limit: number; cursor: string | null };
    const query = {
      ...(page.limit !== undefined ? { limit: checked.limit } : {}),
      ...(checked.cursor !== null ? { cursor: checked.cursor } : {}),
    };
    const result = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/lookup_state_page/{stage}", { params: { path, query } }),
    );
    return { ids: result.ids, nextCursor: result.next_cursor };
  }

  async description(): Promise<QueueDescription> {
    const description = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/describe", { params: { path: this.queuePath } }),
    );
    return description as QueueDescription;
  }

  /** The recorded steps of an item; ApiError 404 (HISTORY_NOT_RECORDED) when the server records no events. */
  async history(id: ItemId): Promise<HistoryEntry[]> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    const entries = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/history/{item_id}", { params: { path } }),
    );
    return entries.map((e) => ({ eventId: e.event_id, time: e.time, kind: e.kind, from: e.from, to: e.to }));
  }

  /** Nothing to release: connections belong to fetch's pool. */
  async close(): Promise<void> {}
}
