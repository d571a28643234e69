import {
  assertAttempt,
  assertCount,
  assertItemId,
  assertLeaseSeconds,
  assertRetryDelay,
  type CallbackListOptions,
  type CallbackPayload,
  type CallbackRecord,
  type CallbackSettings,
  type CallbackSettingsUpdate,
  type Completion,
  type ControllerStatus,
  DEFAULT_LIFECYCLE,
  type DeleteResult,
  type ExtendOptions,
  type FailManyResult,
  type FailOptions,
  type FailOutcome,
  type Failure,
  type GetOptions,
  type HistoryEntry,
  InvalidArgument,
  type ItemId,
  type ItemRecord,
  idList,
  type Job,
  type JsonValue,
  type MoveResult,
  type NewJob,
  type NormalizedPage,
  normalizeGetOptions,
  normalizePage,
  normalizeReason,
  type PageRequest,
  type PurgeOptions,
  type PurgeResult,
  type PutResult,
  parseStage,
  type QueueDescription,
  type QueueItem,
  type QueueItemStage,
  type QueueStats,
  type QueueWithCallbacks,
  type QueueWithHistory,
  type QueueWithStats,
  type RequeueResult,
  type RescueResult,
  type ResendResult,
  resultJson,
  type StageSizes,
  type StatePage,
  type StatsOptions,
  type SuccessOptions,
  stageName,
  validateCallbackList,
  validateCallbackSettings,
  validateDeliveryIds,
  validateJobs,
  validatePurge,
  validatePutBatch,
  validateStats,
} from "@task-queue/queue-core";
import createClient, { defaultPathSerializer } from "openapi-fetch";
import { errorFromResponse } from "./errors.js";
import type { components, paths } from "./generated/openapi.js";
import {
  createTransport,
  type Fetch,
  OutgoingRequest,
  resolveEndpoint,
  type TransportOptions,
} from "./transport.js";

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

const date = (iso: string): Date => new Date(iso);
const dateOrNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

type Wire = components["schemas"];

/** get's options as query parameters; checked with queue-core's rules first. */
function getQuery(options: GetOptions | undefined): { lease_seconds?: number; wait_seconds?: number } {
  const { leaseSeconds, waitSeconds } = normalizeGetOptions(options);
  return {
    ...(leaseSeconds !== null ? { lease_seconds: leaseSeconds } : {}),
    ...(waitSeconds > 0 ? { wait_seconds: waitSeconds } : {}),
  };
}

/** success's options on the wire, checked first (attempt, result size and JSON-ness). */
function successWire(id: ItemId, options: SuccessOptions): Wire["SuccessBody"] {
  if (options.attempt !== undefined) assertAttempt(options.attempt);
  resultJson(options.result, id);
  return {
    ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
    ...(options.result !== undefined ? { result: options.result } : {}),
  };
}

/** fail's options on the wire, checked first. */
function failWire(options: FailOptions): Wire["FailBody"] {
  if (options.attempt !== undefined) assertAttempt(options.attempt);
  const reason = normalizeReason(options.reason);
  assertRetryDelay(options.retryDelaySeconds);
  return {
    ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
    ...(reason !== null ? { reason } : {}),
    ...(options.retryDelaySeconds !== undefined ? { retry_delay_seconds: options.retryDelaySeconds } : {}),
  };
}

/** Splits batch entries (ids or objects) into their ids, checked as a list, and the entries. */
function entries<T extends { id: ItemId }>(
  items: readonly (ItemId | T)[],
): Array<{ id: ItemId; entry: ItemId | T }> {
  if (!Array.isArray(items))
    throw new InvalidArgument("items", "must be an array of ids or objects with an id");
  const list = items.map((entry) => ({ id: typeof entry === "string" ? entry : entry?.id, entry }));
  idList(list.map((item) => item.id));
  return list;
}

function jobFromWire(job: Wire["Job"]): Job {
  return {
    itemId: job.item_id,
    body: job.body as JsonValue,
    attempt: job.attempt,
    leaseExpiresAt: dateOrNull(job.lease_expires_at),
  };
}

/**
 * A Queue over the task-queue HTTP API. Without a queue name it drives the server's default queue
 * (/api/v1/queue/…, the routes of the system we replace); `queue(name)` gives a client for a named queue.
 * Arguments are checked here with queue-core's rules before anything is sent, and error answers become
 * queue-core's typed errors again.
 */
type WireRecord = components["schemas"]["ItemRecord"];

function recordFromWire(record: WireRecord): ItemRecord {
  return {
    itemId: record.item_id,
    stage: record.stage,
    body: record.body as JsonValue,
    attempts: record.attempts,
    maxAttempts: record.max_attempts,
    priority: record.priority,
    runAfter: dateOrNull(record.run_after),
    leaseExpiresAt: dateOrNull(record.lease_expires_at),
    lastError: record.last_error,
    result: (record.result ?? null) as JsonValue | null,
    createdAt: date(record.created_at),
    updatedAt: date(record.updated_at),
  };
}

export class ApiClient implements QueueWithHistory, QueueWithStats, QueueWithCallbacks {
  readonly queueName: string | null;
  private readonly options: ApiClientOptions;
  private readonly http;
  /** The per-call option of operations that change nothing: they alone are retried. */
  private readonly read: { fetch: Fetch };

  constructor(options: ApiClientOptions, queueName: string | null = null) {
    this.options = options;
    this.queueName = queueName;
    const endpoint = resolveEndpoint(options);
    const transport = createTransport(endpoint, options);
    this.read = { fetch: transport.read };
    this.http = createClient<paths>({
      baseUrl: endpoint.baseUrl,
      fetch: transport.once,
      // Plain request objects: the transport hands their URL and init to fetch, which builds the one Request.
      Request: OutgoingRequest as unknown as typeof Request,
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
    return unwrap(this.http.GET("/api/v1/queues", this.read));
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

  async putJobs(jobs: readonly NewJob[]): Promise<PutResult> {
    // Checked here with the queue's own rules (the defaults only fill in what is not sent).
    validateJobs(jobs, DEFAULT_LIFECYCLE, new Date());
    const body: Wire["PutJobsBody"] = jobs.map((job) => ({
      item_id: job.id,
      body: job.body,
      ...(job.priority !== undefined ? { priority: job.priority } : {}),
      ...(job.delaySeconds !== undefined ? { delay_seconds: job.delaySeconds } : {}),
      ...(job.runAfter !== undefined ? { run_after: job.runAfter.toISOString() } : {}),
      ...(job.maxAttempts !== undefined ? { max_attempts: job.maxAttempts } : {}),
      ...(job.notifyUrl !== undefined ? { notify_url: job.notifyUrl } : {}),
    }));
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/put_jobs", { params: { path: this.queuePath }, body }),
    );
  }

  async get(n: number, options?: GetOptions): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n, Number.MAX_SAFE_INTEGER);
    const query = getQuery(options);
    if (n === 0) return [];
    const path = { ...this.queuePath, n_items: n };
    return this.whileNotAborted(options?.signal, async (signal) =>
      pairs(
        await unwrap(
          this.http.GET("/api/v1/queues/{queue_name}/get/{n_items}", { params: { path, query }, signal }),
        ),
      ),
    );
  }

  async getJobs(n: number, options?: GetOptions): Promise<Job[]> {
    assertCount(n, Number.MAX_SAFE_INTEGER);
    const query = getQuery(options);
    if (n === 0) return [];
    const path = { ...this.queuePath, n_items: n };
    return this.whileNotAborted(options?.signal, async (signal) =>
      (
        await unwrap(
          this.http.GET("/api/v1/queues/{queue_name}/get_jobs/{n_items}", {
            params: { path, query },
            signal,
          }),
        )
      ).map(jobFromWire),
    );
  }

  /**
   * Runs a get; when the caller's signal aborts it, answers [] as every Queue does (the server, seeing the request
   * gone, takes nothing more for it).
   */
  private async whileNotAborted<T>(
    signal: AbortSignal | undefined,
    call: (signal: AbortSignal | undefined) => Promise<T[]>,
  ): Promise<T[]> {
    if (signal?.aborted) return [];
    try {
      return await call(signal);
    } catch (error) {
      if (signal?.aborted) return [];
      throw error;
    }
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n, Number.MAX_SAFE_INTEGER);
    if (n === 0) return [];
    const path = { ...this.queuePath, n_items: n };
    return pairs(
      await unwrap(
        this.http.GET("/api/v1/queues/{queue_name}/peek/{n_items}", { params: { path }, ...this.read }),
      ),
    );
  }

  async extend(id: ItemId, options: ExtendOptions): Promise<Date> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    assertLeaseSeconds(options?.leaseSeconds);
    assertAttempt(options.attempt);
    const body = { lease_seconds: options.leaseSeconds, attempt: options.attempt };
    const answer = await unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/extend/{item_id}", { params: { path }, body }),
    );
    return date(answer.lease_expires_at);
  }

  async success(id: ItemId, options?: SuccessOptions): Promise<void> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    // Without options: the original route exactly, no body.
    const body = options === undefined ? undefined : successWire(id, options);
    await unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/success/{item_id}", {
        params: { path },
        ...(body !== undefined ? { body } : {}),
      }),
    );
  }

  async fail(id: ItemId, options: FailOptions = {}): Promise<FailOutcome> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    // Always with a body (even {}): then the answer says where the item went.
    const body = failWire(options);
    const answer = await unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/fail/{item_id}", { params: { path }, body }),
    );
    // A server from before the lifecycle ignores the body and answers null: there, every failure is final.
    return answer === null ? "FAIL" : answer.stage;
  }

  async successMany(items: readonly (ItemId | Completion)[]): Promise<MoveResult> {
    const body: Wire["CompletionList"] = entries(items).map(({ id, entry }) =>
      typeof entry === "string" ? entry : { item_id: id, ...successWire(id, entry) },
    );
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/success", { params: { path: this.queuePath }, body }),
    );
  }

  async failMany(items: readonly (ItemId | Failure)[]): Promise<FailManyResult> {
    const body: Wire["FailureList"] = entries(items).map(({ id, entry }) =>
      typeof entry === "string" ? entry : { item_id: id, ...failWire(entry) },
    );
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/fail", { params: { path: this.queuePath }, body }),
    );
  }

  async cancel(id: ItemId, reason?: string): Promise<void> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    const why = normalizeReason(reason);
    await unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/cancel/{item_id}", {
        params: { path },
        ...(why !== null ? { body: { reason: why } } : {}),
      }),
    );
  }

  async delete(ids: readonly ItemId[]): Promise<DeleteResult> {
    if (!Array.isArray(ids)) throw new InvalidArgument("ids", "must be an array of item ids");
    const body = idList(ids);
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/delete", { params: { path: this.queuePath }, body }),
    );
  }

  async retryNow(ids: readonly ItemId[]): Promise<MoveResult> {
    if (!Array.isArray(ids)) throw new InvalidArgument("ids", "must be an array of item ids");
    const body = idList(ids);
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/retry_now", { params: { path: this.queuePath }, body }),
    );
  }

  async purge(options: PurgeOptions): Promise<PurgeResult> {
    // Checked here too, so a bad call fails the same way as on every other Queue without a request.
    const valid = validatePurge(options);
    const body = {
      stage: stageName(valid.stage) as "WAITING" | "SUCCESS" | "FAIL",
      older_than_seconds: valid.olderThanSeconds,
      ...(valid.limit !== null ? { limit: valid.limit } : {}),
      ...(valid.withRecords ? { with_records: true } : {}),
    };
    const result = await unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/purge", { params: { path: this.queuePath }, body }),
    );
    return result.records === undefined
      ? { purged: result.purged }
      : { purged: result.purged, records: result.records.map(recordFromWire) };
  }

  async stats(options?: StatsOptions): Promise<QueueStats> {
    const sinceSeconds = validateStats(options);
    const stats = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/stats", {
        params: { path: this.queuePath, query: { since_seconds: sinceSeconds } },
        ...this.read,
      }),
    );
    return {
      since: date(stats.since),
      sinceSeconds: stats.since_seconds,
      sizes: stats.sizes,
      done: stats.done,
      failed: stats.failed,
      donePerMinute: stats.done_per_minute,
      failedPerMinute: stats.failed_per_minute,
      durationSeconds: stats.duration_seconds,
      oldestWaitingSeconds: stats.oldest_waiting_seconds,
      topFailures: stats.top_failures,
      series: {
        bucketSeconds: stats.series.bucket_seconds,
        done: stats.series.done,
        failed: stats.series.failed,
      },
      source: stats.source,
    };
  }

  async rescueExpired(): Promise<RescueResult> {
    return unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/rescue_expired", { params: { path: this.queuePath } }),
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
    return unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/size/{stage}", { params: { path }, ...this.read }),
    );
  }

  async sizes(): Promise<StageSizes> {
    return unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/sizes", { params: { path: this.queuePath }, ...this.read }),
    );
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    return parseStage(
      await unwrap(
        this.http.GET("/api/v1/queues/{queue_name}/status/{item_id}", { params: { path }, ...this.read }),
      ),
    );
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    const item = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/lookup_item/{item_id}", { params: { path }, ...this.read }),
    );
    return { itemId: item.item_id, status: parseStage(item.status), itemBody: item.item_body as JsonValue };
  }

  async lookupRecord(id: ItemId): Promise<ItemRecord> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    return recordFromWire(
      await unwrap(
        this.http.GET("/api/v1/queues/{queue_name}/item/{item_id}", { params: { path }, ...this.read }),
      ),
    );
  }

  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    const path = { ...this.queuePath, stage: stageName(parseStage(stage)) };
    if (page === undefined) {
      const ids = await unwrap(
        this.http.GET("/api/v1/queues/{queue_name}/lookup_state/{stage}", { params: { path }, ...this.read }),
      );
      return { ids, nextCursor: null };
    }
    // Checked here as every queue checks it: a cursor that is no id could not even be put in a URL.
    const checked = normalizePage(page) as NormalizedPage;
    const query = {
      ...(page.limit !== undefined ? { limit: checked.limit } : {}),
      ...(checked.cursor !== null ? { cursor: checked.cursor } : {}),
      ...(checked.prefix ? { prefix: checked.prefix } : {}),
    };
    const result = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/lookup_state_page/{stage}", {
        params: { path, query },
        ...this.read,
      }),
    );
    return { ids: result.ids, nextCursor: result.next_cursor };
  }

  /** The stored pause flag; the server answers 404 (PAUSE_NOT_STORED) when its backend stores none. */
  async isPaused(): Promise<boolean> {
    const state = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/pause", { params: { path: this.queuePath } }),
    );
    return state.paused;
  }

  /**
   * What the queue's leading controller recorded at its last tick (GET …/controller; the `controller` field of
   * listQueues, for this queue): when it ticked, whether it led and was paused, its period. Null when no controller
   * ever ticked or the backend stores no status. queue-core's isStale tells a stopped controller, as the server does.
   */
  async controllerStatus(): Promise<ControllerStatus | null> {
    const { controller } = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/controller", {
        params: { path: this.queuePath },
        ...this.read,
      }),
    );
    if (controller === null) return null;
    return {
      lastTickAt: date(controller.last_tick_at),
      ageSeconds: controller.age_seconds,
      identity: controller.identity,
      leader: controller.leader,
      paused: controller.paused,
      periodSeconds: controller.period_seconds,
    };
  }

  async setPaused(paused: boolean): Promise<void> {
    const params = { params: { path: this.queuePath } };
    await unwrap(
      paused
        ? this.http.POST("/api/v1/queues/{queue_name}/pause", params)
        : this.http.POST("/api/v1/queues/{queue_name}/resume", params),
    );
  }

  async callbackSettings(): Promise<CallbackSettings> {
    const settings = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/callbacks/settings", {
        params: { path: this.queuePath },
        ...this.read,
      }),
    );
    return { url: settings.url, hasSecret: settings.has_secret };
  }

  async setCallbackSettings(update: CallbackSettingsUpdate): Promise<CallbackSettings> {
    const body = validateCallbackSettings(update);
    const settings = await unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/callbacks/settings", {
        params: { path: this.queuePath },
        body,
      }),
    );
    return { url: settings.url, hasSecret: settings.has_secret };
  }

  async callbacks(options?: CallbackListOptions): Promise<CallbackRecord[]> {
    const query = validateCallbackList(options);
    const list = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/callbacks", {
        params: { path: this.queuePath, query },
        ...this.read,
      }),
    );
    return list.map((entry) => {
      const payload = entry.payload as CallbackPayload;
      return {
        deliveryId: entry.delivery_id,
        queue: payload.queue,
        itemId: entry.item_id,
        url: entry.url,
        payload,
        attempts: entry.attempts,
        lastError: entry.last_error,
        createdAt: date(entry.created_at),
        nextAttemptAt: dateOrNull(entry.next_attempt_at),
      };
    });
  }

  async resendCallbacks(deliveryIds: readonly string[]): Promise<ResendResult> {
    const ids = validateDeliveryIds(deliveryIds);
    const result = await unwrap(
      this.http.POST("/api/v1/queues/{queue_name}/callbacks/resend", {
        params: { path: this.queuePath },
        body: { ids },
      }),
    );
    return { resent: result.resent, notFound: result.not_found };
  }

  async description(): Promise<QueueDescription> {
    const description = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/describe", {
        params: { path: this.queuePath },
        ...this.read,
      }),
    );
    return description as QueueDescription;
  }

  /** The recorded steps of an item; ApiError 404 (HISTORY_NOT_RECORDED) when the server records no events. */
  async history(id: ItemId): Promise<HistoryEntry[]> {
    const path = { ...this.queuePath, item_id: pathId(id) };
    const entries = await unwrap(
      this.http.GET("/api/v1/queues/{queue_name}/history/{item_id}", { params: { path }, ...this.read }),
    );
    // event_id becomes eventId; the other fields (reason and action only where the server sent them) keep their names.
    return entries.map(({ event_id, ...rest }) => ({ eventId: event_id, ...rest }));
  }

  /** Nothing to release: connections belong to fetch's pool. */
  async close(): Promise<void> {}
}
