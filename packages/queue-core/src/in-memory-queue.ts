import type {
  CallbackListOptions,
  CallbackRecord,
  CallbackSettings,
  CallbackSettingsUpdate,
  QueueWithCallbacks,
  ResendResult,
} from "./callbacks.js";
import {
  type ControllerStatus,
  type ControllerStatusReport,
  type QueueWithControllerStatus,
  validateControllerStatus,
} from "./controller-status.js";
import { InvalidArgument, InvalidTransition, ItemNotFound } from "./errors.js";
import { fencingRefusal, type Refusal } from "./fencing.js";
import { InMemoryCallbackOutbox } from "./in-memory-outbox.js";
import type { JsonValue } from "./json.js";
import {
  assertAttempt,
  assertLeaseSeconds,
  assertRetryDelay,
  backoffSeconds,
  CANCELLED_REASON,
  type Completion,
  type DeleteResult,
  type ExtendOptions,
  type FailOptions,
  type FailOutcome,
  type Failure,
  type GetOptions,
  type ItemRecord,
  type Job,
  LEASE_EXPIRED_REASON,
  type LifecycleSettings,
  type NewJob,
  normalizeGetOptions,
  normalizeReason,
  type RescueResult,
  resolveLifecycle,
  resultJson,
  type SuccessOptions,
  validateJobs,
} from "./lifecycle.js";
import { type QueueObserver, type ReportsRescues, RescueObservers } from "./observe.js";
import { type PurgeOptions, type PurgeResult, validatePurge } from "./purge.js";
import type {
  FailManyResult,
  ItemId,
  MoveResult,
  PageRequest,
  PutResult,
  QueueDescription,
  QueueItem,
  QueueNamespace,
  RequeueResult,
  StatePage,
} from "./queue.js";
import { parseStage, QueueItemStage, STAGE_NAMES, type StageSizes, stageName } from "./stage.js";
import {
  type FinishedItem,
  type QueueStats,
  type QueueWithStats,
  type StatsOptions,
  summarizeStats,
  validateStats,
} from "./stats.js";
import { activeTraceContext } from "./tracing.js";
import {
  assertCount,
  assertItemId,
  assertQueueName,
  idList,
  normalizePage,
  validatePutBatch,
} from "./validation.js";
import { waitForWork } from "./wait.js";

interface Entry {
  stage: QueueItemStage;
  body: JsonValue;
  attempts: number;
  maxAttempts: number;
  priority: number;
  /** ms since the epoch; null: available. */
  runAfter: number | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  result: JsonValue | null;
  createdAt: number;
  updatedAt: number;
  /** The W3C traceparent of the put, when it was traced. */
  traceContext: string | null;
  notifyUrl: string | null;
}

export interface InMemoryQueueOptions {
  name?: string;
  /** Defaults for max attempts and retry backoff. */
  lifecycle?: Partial<LifecycleSettings>;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
  /** Where callbacks are recorded (a namespace shares one among its queues); default: the queue's own. */
  outbox?: InMemoryCallbackOutbox;
  /** Who is told of rescues (a namespace shares one among its queues); default: the queue's own. */
  rescueObservers?: RescueObservers;
}

/** A completion or failure named by id alone or with options. */
function split<T extends { id: ItemId }>(entry: ItemId | T): T {
  return (typeof entry === "string" ? { id: entry } : entry) as T;
}

/**
 * A queue held in process memory. WAITING is one insertion-ordered Map per priority, so get walks the highest
 * priority first and FIFO within it, and every move is O(1). No method awaits before it has finished its change,
 * so concurrent callers in one process never see a half-done move. Expired leases are rescued at the start of
 * every call that reads or moves items.
 */
export class InMemoryQueue
  implements QueueWithStats, QueueWithCallbacks, QueueWithControllerStatus, ReportsRescues
{
  readonly name: string;
  /** The callbacks this queue records, for a CallbackDeliverer. */
  readonly callbackOutbox: InMemoryCallbackOutbox;
  private readonly lifecycle: LifecycleSettings;
  private readonly now: () => number;
  private readonly rescueObservers: RescueObservers;
  private readonly items = new Map<ItemId, Entry>();
  /** Ids per stage except WAITING, in the order they entered the stage. */
  private readonly stages: [Map<ItemId, true>, Map<ItemId, true>, Map<ItemId, true>, Map<ItemId, true>] = [
    new Map(),
    new Map(),
    new Map(),
    new Map(),
  ];
  /** WAITING ids by priority, each bucket FIFO; `priorities` lists the buckets, highest first. */
  private readonly waiting = new Map<number, Map<ItemId, true>>();
  private priorities: number[] = [];
  /** PROCESSING ids that hold a lease. */
  private readonly leased = new Set<ItemId>();
  private readonly wakers = new Set<() => void>();
  private paused = false;
  /** The last controller status recorded in this process, with when (ms). */
  private controller: (ControllerStatusReport & { at: number }) | null = null;

  constructor(options: InMemoryQueueOptions = {}) {
    this.name = options.name ?? "default";
    this.lifecycle = resolveLifecycle(options.lifecycle);
    this.now = options.now ?? Date.now;
    this.callbackOutbox = options.outbox ?? new InMemoryCallbackOutbox(this.now);
    this.rescueObservers = options.rescueObservers ?? new RescueObservers();
  }

  observeRescues(observer: QueueObserver): void {
    this.rescueObservers.add(observer);
  }

  private leave(id: ItemId, entry: Entry): void {
    if (entry.stage === QueueItemStage.WAITING) {
      const bucket = this.waiting.get(entry.priority);
      bucket?.delete(id);
      if (bucket?.size === 0) {
        this.waiting.delete(entry.priority);
        this.priorities = this.priorities.filter((p) => p !== entry.priority);
      }
    }
    this.stages[entry.stage].delete(id);
    this.leased.delete(id);
  }

  private enter(id: ItemId, entry: Entry, to: QueueItemStage): void {
    entry.stage = to;
    entry.updatedAt = this.now();
    this.stages[to].set(id, true);
    if (to === QueueItemStage.WAITING) {
      let bucket = this.waiting.get(entry.priority);
      if (!bucket) {
        bucket = new Map();
        this.waiting.set(entry.priority, bucket);
        this.priorities = [...this.priorities, entry.priority].sort((a, b) => b - a);
      }
      bucket.set(id, true);
      this.wake();
    }
  }

  private move(id: ItemId, entry: Entry, to: QueueItemStage): void {
    this.leave(id, entry);
    this.enter(id, entry, to);
    if (to === QueueItemStage.SUCCESS || to === QueueItemStage.FAIL) {
      // Recorded in the same synchronous step as the move: no caller can observe one without the other.
      this.callbackOutbox.record(entry.notifyUrl, {
        queue: this.name,
        item_id: id,
        stage: to === QueueItemStage.SUCCESS ? "SUCCESS" : "FAIL",
        attempts: entry.attempts,
        ...(to === QueueItemStage.SUCCESS && entry.result !== null
          ? { result: structuredClone(entry.result) }
          : {}),
        ...(to === QueueItemStage.FAIL && entry.lastError !== null ? { last_error: entry.lastError } : {}),
        finished_at: new Date(entry.updatedAt).toISOString(),
      });
    }
  }

  private wake(): void {
    for (const waker of this.wakers) waker();
  }

  /** A failed attempt: back to WAITING after a backoff while attempts remain, else FAIL. */
  private failAttempt(id: ItemId, entry: Entry, reason: string | null, delaySeconds?: number): FailOutcome {
    entry.lastError = reason;
    entry.leaseExpiresAt = null;
    if (entry.attempts < entry.maxAttempts) {
      const delay = delaySeconds ?? backoffSeconds(this.lifecycle.backoff, entry.attempts);
      entry.runAfter = delay > 0 ? this.now() + delay * 1000 : null;
      this.move(id, entry, QueueItemStage.WAITING);
      return "WAITING";
    }
    this.move(id, entry, QueueItemStage.FAIL);
    return "FAIL";
  }

  private rescue(): RescueResult {
    const result: RescueResult = { retried: [], failed: [] };
    if (this.leased.size === 0) return result;
    const now = this.now();
    for (const id of [...this.leased]) {
      const entry = this.items.get(id)!;
      if (entry.leaseExpiresAt !== null && entry.leaseExpiresAt <= now) {
        const outcome = this.failAttempt(id, entry, LEASE_EXPIRED_REASON);
        (outcome === "WAITING" ? result.retried : result.failed).push(id);
      }
    }
    // Told here, the one place this queue rescues: every read and move calls rescue() first.
    this.rescueObservers.report(this.name, result);
    return result;
  }

  async rescueExpired(): Promise<RescueResult> {
    return this.rescue();
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const valid = validatePutBatch(items);
    return this.insert(
      valid.map((item) => ({
        ...item,
        priority: 0,
        runAfter: null,
        maxAttempts: this.lifecycle.maxAttempts,
        notifyUrl: null,
      })),
    );
  }

  async putJobs(jobs: readonly NewJob[]): Promise<PutResult> {
    return this.insert(validateJobs(jobs, this.lifecycle, new Date(this.now())));
  }

  private insert(
    valid: ReadonlyArray<{
      id: ItemId;
      json: string;
      priority: number;
      runAfter: Date | null;
      maxAttempts: number;
      notifyUrl: string | null;
    }>,
  ): PutResult {
    const result: PutResult = { added: [], skipped: [] };
    const now = this.now();
    const traceContext = activeTraceContext();
    for (const { id, json, priority, runAfter, maxAttempts, notifyUrl } of valid) {
      if (this.items.has(id)) {
        result.skipped.push(id);
        continue;
      }
      // Store a copy so later changes to the caller's object do not reach into the queue.
      const entry: Entry = {
        stage: QueueItemStage.WAITING,
        body: JSON.parse(json) as JsonValue,
        attempts: 0,
        maxAttempts,
        priority,
        runAfter: runAfter === null || runAfter.getTime() <= now ? null : runAfter.getTime(),
        leaseExpiresAt: null,
        lastError: null,
        result: null,
        createdAt: now,
        updatedAt: now,
        traceContext,
        notifyUrl,
      };
      this.items.set(id, entry);
      this.enter(id, entry, QueueItemStage.WAITING);
      result.added.push(id);
    }
    return result;
  }

  /** The next n available WAITING ids: highest priority first, FIFO within a priority, delayed ones skipped. */
  private nextWaiting(n: number): ItemId[] {
    const out: ItemId[] = [];
    if (n === 0) return out;
    const now = this.now();
    for (const priority of this.priorities) {
      for (const id of this.waiting.get(priority)!.keys()) {
        const runAfter = this.items.get(id)!.runAfter;
        if (runAfter !== null && runAfter > now) continue;
        out.push(id);
        if (out.length >= n) return out;
      }
    }
    return out;
  }

  /** Milliseconds until the earliest delayed WAITING item becomes available; null when none is delayed. */
  private nextDueMs(): number | null {
    let earliest: number | null = null;
    for (const id of this.stages[QueueItemStage.WAITING].keys()) {
      const runAfter = this.items.get(id)!.runAfter;
      if (runAfter !== null && (earliest === null || runAfter < earliest)) earliest = runAfter;
    }
    for (const id of this.leased) {
      const expires = this.items.get(id)!.leaseExpiresAt;
      if (expires !== null && (earliest === null || expires < earliest)) earliest = expires;
    }
    return earliest === null ? null : Math.max(0, earliest - this.now());
  }

  private take(n: number, leaseSeconds: number | null): Job[] {
    this.rescue();
    const now = this.now();
    return this.nextWaiting(n).map((id) => {
      const entry = this.items.get(id)!;
      this.move(id, entry, QueueItemStage.PROCESSING);
      entry.attempts += 1;
      entry.runAfter = null;
      entry.leaseExpiresAt = leaseSeconds === null ? null : now + leaseSeconds * 1000;
      if (entry.leaseExpiresAt !== null) this.leased.add(id);
      return {
        itemId: id,
        body: structuredClone(entry.body),
        attempt: entry.attempts,
        leaseExpiresAt: entry.leaseExpiresAt === null ? null : new Date(entry.leaseExpiresAt),
        ...(entry.traceContext === null ? {} : { traceContext: entry.traceContext }),
      };
    });
  }

  async getJobs(n: number, options?: GetOptions): Promise<Job[]> {
    assertCount(n);
    const { leaseSeconds, waitSeconds } = normalizeGetOptions(options);
    if (waitSeconds === 0 || n === 0) return this.take(n, leaseSeconds);
    return waitForWork(async () => this.take(n, leaseSeconds), {
      waitSeconds,
      signal: options?.signal,
      subscribe: (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
      nextDueMs: () => this.nextDueMs(),
    });
  }

  async get(n: number, options?: GetOptions): Promise<Array<[ItemId, JsonValue]>> {
    return (await this.getJobs(n, options)).map((job) => [job.itemId, job.body]);
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    this.rescue();
    return this.nextWaiting(n).map((id) => [id, structuredClone(this.items.get(id)!.body)]);
  }

  /**
   * The entry a completion may act on, or why not. With an attempt, the call is fenced: the item must still be in
   * that attempt's PROCESSING with its lease unexpired.
   */
  private check(
    id: ItemId,
    action: "success" | "fail" | "extend",
    attempt: number | undefined,
  ): { entry: Entry } | Refusal {
    if (attempt !== undefined) assertAttempt(attempt);
    const entry = this.items.get(id);
    const refused = fencingRefusal(
      id,
      entry && {
        stage: stageName(entry.stage),
        attempts: entry.attempts,
        leaseExpired: entry.leaseExpiresAt !== null && entry.leaseExpiresAt <= this.now(),
        lastError: entry.lastError,
      },
      action,
      attempt,
    );
    return refused ?? { entry: entry! };
  }

  async extend(id: ItemId, options: ExtendOptions): Promise<Date> {
    assertItemId(id);
    assertLeaseSeconds(options?.leaseSeconds);
    assertAttempt(options.attempt);
    const checked = this.check(id, "extend", options.attempt);
    if ("error" in checked) throw checked.error;
    checked.entry.leaseExpiresAt = this.now() + options.leaseSeconds * 1000;
    checked.entry.updatedAt = this.now();
    this.leased.add(id);
    return new Date(checked.entry.leaseExpiresAt);
  }

  private succeed(id: ItemId, entry: Entry, result: string | null): void {
    entry.result = result === null ? null : (JSON.parse(result) as JsonValue);
    entry.leaseExpiresAt = null;
    this.move(id, entry, QueueItemStage.SUCCESS);
  }

  async success(id: ItemId, options: SuccessOptions = {}): Promise<void> {
    assertItemId(id);
    const result = resultJson(options.result, id);
    const checked = this.check(id, "success", options.attempt);
    if ("error" in checked) throw checked.error;
    this.succeed(id, checked.entry, result);
  }

  async fail(id: ItemId, options: FailOptions = {}): Promise<FailOutcome> {
    assertItemId(id);
    const reason = normalizeReason(options.reason);
    assertRetryDelay(options.retryDelaySeconds);
    const checked = this.check(id, "fail", options.attempt);
    if ("error" in checked) throw checked.error;
    return this.failAttempt(id, checked.entry, reason, options.retryDelaySeconds);
  }

  async successMany(items: readonly (ItemId | Completion)[]): Promise<MoveResult> {
    const list = items.map((item) => split<Completion>(item));
    idList(list.map((item) => item.id));
    for (const item of list) if (item.attempt !== undefined) assertAttempt(item.attempt);
    const results = list.map((item) => resultJson(item.result, item.id));
    const out: MoveResult = { moved: [], skipped: [] };
    const seen = new Set<ItemId>();
    list.forEach((item, i) => {
      if (seen.has(item.id)) return;
      seen.add(item.id);
      const checked = this.check(item.id, "success", item.attempt);
      if ("skip" in checked) out.skipped.push(checked.skip);
      else {
        this.succeed(item.id, checked.entry, results[i]!);
        out.moved.push(item.id);
      }
    });
    return out;
  }

  async failMany(items: readonly (ItemId | Failure)[]): Promise<FailManyResult> {
    const list = items.map((item) => split<Failure>(item));
    idList(list.map((item) => item.id));
    const reasons = list.map((item) => normalizeReason(item.reason));
    for (const item of list) {
      assertRetryDelay(item.retryDelaySeconds);
      if (item.attempt !== undefined) assertAttempt(item.attempt);
    }
    const out: FailManyResult = { moved: [], skipped: [], retried: [] };
    const seen = new Set<ItemId>();
    list.forEach((item, i) => {
      if (seen.has(item.id)) return;
      seen.add(item.id);
      const checked = this.check(item.id, "fail", item.attempt);
      if ("skip" in checked) out.skipped.push(checked.skip);
      else {
        out.moved.push(item.id);
        if (this.failAttempt(item.id, checked.entry, reasons[i]!, item.retryDelaySeconds) === "WAITING")
          out.retried.push(item.id);
      }
    });
    return out;
  }

  async cancel(id: ItemId, reason?: string): Promise<void> {
    assertItemId(id);
    const why = normalizeReason(reason) ?? CANCELLED_REASON;
    const entry = this.items.get(id);
    if (!entry) throw new ItemNotFound(id);
    if (entry.stage !== QueueItemStage.WAITING && entry.stage !== QueueItemStage.PROCESSING)
      throw new InvalidTransition(id, "cancel", stageName(entry.stage));
    entry.lastError = why;
    entry.leaseExpiresAt = null;
    entry.runAfter = null;
    this.move(id, entry, QueueItemStage.FAIL);
  }

  async delete(ids: readonly ItemId[]): Promise<DeleteResult> {
    if (!Array.isArray(ids)) throw new InvalidArgument("ids", "must be an array of item ids");
    const out: DeleteResult = { deleted: [], skipped: [] };
    for (const id of idList(ids)) {
      const entry = this.items.get(id);
      if (!entry) out.skipped.push({ id, reason: "NOT_FOUND" });
      else if (entry.stage === QueueItemStage.PROCESSING)
        out.skipped.push({ id, reason: "WRONG_STAGE", stage: "PROCESSING" });
      else {
        this.leave(id, entry);
        this.items.delete(id);
        out.deleted.push(id);
      }
    }
    return out;
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    const out: RequeueResult = { requeued: [], skipped: [] };
    for (const id of idList(ids)) {
      const entry = this.items.get(id);
      if (!entry) out.skipped.push({ id, reason: "NOT_FOUND" });
      else if (entry.stage !== QueueItemStage.FAIL)
        out.skipped.push({ id, reason: "WRONG_STAGE", stage: stageName(entry.stage) });
      else {
        entry.attempts = 0;
        entry.runAfter = null;
        this.move(id, entry, QueueItemStage.WAITING);
        out.requeued.push(id);
      }
    }
    return out;
  }

  async retryNow(ids: readonly ItemId[]): Promise<MoveResult> {
    const out: MoveResult = { moved: [], skipped: [] };
    for (const id of idList(ids)) {
      const entry = this.items.get(id);
      if (!entry) out.skipped.push({ id, reason: "NOT_FOUND" });
      else if (entry.stage !== QueueItemStage.WAITING)
        out.skipped.push({ id, reason: "WRONG_STAGE", stage: stageName(entry.stage) });
      else {
        entry.runAfter = null;
        entry.updatedAt = this.now();
        out.moved.push(id);
      }
    }
    if (out.moved.length > 0) this.wake();
    return out;
  }

  async purge(options: PurgeOptions): Promise<PurgeResult> {
    const valid = validatePurge(options);
    this.rescue();
    const cutoff = this.now() - valid.olderThanSeconds * 1000;
    // Oldest first, by last change, as the SQL backend (ties in the order they entered the stage). One pass with no
    // await, so nothing moves meanwhile; memory holds no locks, so batches would only add work.
    const old = [...this.stages[valid.stage].keys()]
      .filter((id) => this.items.get(id)!.updatedAt <= cutoff)
      .sort((a, b) => this.items.get(a)!.updatedAt - this.items.get(b)!.updatedAt)
      .slice(0, valid.limit ?? undefined);
    const records: ItemRecord[] = [];
    for (const id of old) {
      if (valid.withRecords) records.push(this.recordOf(id, this.items.get(id)!));
      this.leave(id, this.items.get(id)!);
      this.items.delete(id);
    }
    return valid.withRecords ? { purged: old.length, records } : { purged: old.length };
  }

  async stats(options?: StatsOptions): Promise<QueueStats> {
    const sinceSeconds = validateStats(options);
    const sizes = await this.sizes();
    const now = this.now();
    const since = now - sinceSeconds * 1000;
    const finished: FinishedItem[] = [];
    for (const stage of [QueueItemStage.SUCCESS, QueueItemStage.FAIL] as const) {
      for (const id of this.stages[stage].keys()) {
        const entry = this.items.get(id)!;
        if (entry.updatedAt < since) continue;
        finished.push({
          stage: stage === QueueItemStage.SUCCESS ? "SUCCESS" : "FAIL",
          finishedAt: entry.updatedAt,
          seconds: (entry.updatedAt - entry.createdAt) / 1000,
          reason: entry.lastError,
        });
      }
    }
    let oldest: number | null = null;
    for (const id of this.stages[QueueItemStage.WAITING].keys()) {
      const entered = this.items.get(id)!.updatedAt;
      if (oldest === null || entered < oldest) oldest = entered;
    }
    return summarizeStats({
      now: new Date(now),
      sinceSeconds,
      sizes,
      finished,
      oldestWaitingSeconds: oldest === null ? null : (now - oldest) / 1000,
      measures: "put-to-finish",
      source: "items",
    });
  }

  async size(stage: QueueItemStage): Promise<number> {
    const parsed = parseStage(stage);
    this.rescue();
    return this.stages[parsed].size;
  }

  async sizes(): Promise<StageSizes> {
    this.rescue();
    return {
      WAITING: this.stages[0].size,
      PROCESSING: this.stages[1].size,
      SUCCESS: this.stages[2].size,
      FAIL: this.stages[3].size,
    };
  }

  private entry(id: ItemId): Entry {
    assertItemId(id);
    this.rescue();
    const entry = this.items.get(id);
    if (!entry) throw new ItemNotFound(id);
    return entry;
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    return this.entry(id).stage;
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    const entry = this.entry(id);
    return { itemId: id, status: entry.stage, itemBody: structuredClone(entry.body) };
  }

  async lookupRecord(id: ItemId): Promise<ItemRecord> {
    return this.recordOf(id, this.entry(id));
  }

  private recordOf(id: ItemId, entry: Entry): ItemRecord {
    const date = (ms: number | null) => (ms === null ? null : new Date(ms));
    return {
      itemId: id,
      stage: stageName(entry.stage),
      body: structuredClone(entry.body),
      attempts: entry.attempts,
      maxAttempts: entry.maxAttempts,
      priority: entry.priority,
      runAfter: date(entry.runAfter),
      leaseExpiresAt: date(entry.leaseExpiresAt),
      lastError: entry.lastError,
      result: structuredClone(entry.result),
      createdAt: new Date(entry.createdAt),
      updatedAt: new Date(entry.updatedAt),
    };
  }

  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    const parsed = parseStage(stage);
    this.rescue();
    const ids = this.stages[parsed];
    const request = normalizePage(page);
    if (request === null) return { ids: [...ids.keys()], nextCursor: null };
    // Pages are in id order, so a cursor (the last id of a page) stays meaningful while items move.
    const after = request.cursor;
    const candidates: ItemId[] = [];
    for (const id of ids.keys()) {
      if ((after === null || id > after) && id.startsWith(request.prefix)) candidates.push(id);
    }
    candidates.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pageIds = candidates.slice(0, request.limit);
    const hasMore = candidates.length > request.limit;
    return { ids: pageIds, nextCursor: hasMore ? pageIds[pageIds.length - 1]! : null };
  }

  async description(): Promise<QueueDescription> {
    return { implementation: "InMemoryQueue", arguments: { queue_name: this.name } };
  }

  async isPaused(): Promise<boolean> {
    return this.paused;
  }

  async setPaused(paused: boolean): Promise<void> {
    if (typeof paused !== "boolean") throw new InvalidArgument("paused", "must be true or false");
    this.paused = paused;
  }

  async callbackSettings(): Promise<CallbackSettings> {
    return this.callbackOutbox.settingsOf(this.name);
  }

  async setCallbackSettings(update: CallbackSettingsUpdate): Promise<CallbackSettings> {
    return this.callbackOutbox.updateSettings(this.name, update);
  }

  async callbacks(options?: CallbackListOptions): Promise<CallbackRecord[]> {
    return this.callbackOutbox.list(this.name, options);
  }

  async resendCallbacks(deliveryIds: readonly string[]): Promise<ResendResult> {
    return this.callbackOutbox.resend(this.name, deliveryIds);
  }

  async recordControllerStatus(report: ControllerStatusReport): Promise<void> {
    this.controller = { ...validateControllerStatus(report), at: this.now() };
  }

  async controllerStatus(): Promise<ControllerStatus | null> {
    if (this.controller === null) return null;
    const { at, ...report } = this.controller;
    return { ...report, lastTickAt: new Date(at), ageSeconds: Math.max(0, (this.now() - at) / 1000) };
  }

  async close(): Promise<void> {}
}

/** Named in-memory queues, created on first use. */
export class InMemoryQueueNamespace implements QueueNamespace, ReportsRescues {
  private readonly queues = new Map<string, InMemoryQueue>();
  private readonly options: Omit<InMemoryQueueOptions, "name">;
  private readonly rescueObservers: RescueObservers;
  /** Every queue's callbacks, for one CallbackDeliverer. */
  readonly callbackOutbox: InMemoryCallbackOutbox;

  constructor(options: Omit<InMemoryQueueOptions, "name"> = {}) {
    this.callbackOutbox = options.outbox ?? new InMemoryCallbackOutbox(options.now);
    this.rescueObservers = options.rescueObservers ?? new RescueObservers();
    this.options = { ...options, outbox: this.callbackOutbox, rescueObservers: this.rescueObservers };
  }

  observeRescues(observer: QueueObserver): void {
    this.rescueObservers.add(observer);
  }

  queue(name: string): InMemoryQueue {
    assertQueueName(name);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new InMemoryQueue({ ...this.options, name });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async listQueues(): Promise<string[]> {
    const names: string[] = [];
    for (const [name, queue] of this.queues) {
      const sizes = await queue.sizes();
      if (STAGE_NAMES.some((stage) => sizes[stage] > 0)) names.push(name);
    }
    return names.sort();
  }

  async close(): Promise<void> {}
}
