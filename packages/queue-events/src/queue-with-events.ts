import {
  assertCount,
  assertItemId,
  CANCELLED_REASON,
  type Completion,
  type ControllerStatus,
  type ControllerStatusReport,
  canPause,
  type DeleteResult,
  type ExtendOptions,
  type FailManyResult,
  type FailOptions,
  type FailOutcome,
  type Failure,
  type GetOptions,
  type HistoryEntry,
  hasCallbacks,
  hasControllerStatus,
  hasStats,
  InvalidArgument,
  type ItemId,
  type ItemRecord,
  idList,
  isQueueError,
  type Job,
  type JsonObject,
  type JsonValue,
  LEASE_EXPIRED_REASON,
  type Logger,
  type MoveResult,
  type NewJob,
  normalizeGetOptions,
  normalizePage,
  normalizeReason,
  type PageRequest,
  type PurgeOptions,
  type PurgeResult,
  type PutResult,
  parseStage,
  type Queue,
  type QueueDescription,
  type QueueItem,
  type QueueItemStage,
  type QueueObserver,
  type QueueStats,
  QueueUnavailable,
  type QueueWithCallbacks,
  type QueueWithHistory,
  type RequeueResult,
  type RescueResult,
  reportsRescues,
  type StageName,
  type StageSizes,
  type StatePage,
  type StatsOptions,
  type SuccessOptions,
  silentLogger,
  stageName,
  summarizeStats,
  waitForWork,
} from "@task-queue/queue-core";
import {
  type AddEventData,
  ITEM_EVENT_VERSION,
  type MoveAction,
  type MoveEventData,
  type NewEvent,
} from "./event.js";
import { type EventNames, type EventNamesOption, resolveEventNames } from "./event-names.js";
import type { EventStore } from "./event-store.js";
import { historyEntries } from "./history.js";
import { sharedTransaction } from "./transactional.js";

export interface QueueWithEventsOptions {
  /**
   * The queue name written into every event (data.queue), so one store can serve many queues. Default: the inner
   * queue's description().arguments.queue_name, else "default".
   */
  queueName?: string;
  /** Written into every event's metadata, e.g. { host: "..." }. Never put secrets here. */
  metadata?: JsonObject;
  /** Where a lost event is reported (non-transactional pairs only). */
  logger?: Logger;
  /**
   * Called with the events that could not be recorded after their move succeeded (non-transactional pairs
   * only), e.g. to write them somewhere else. Errors it throws are logged, not raised.
   */
  onLostEvents?: (events: NewEvent[], error: unknown) => void | Promise<void>;
}

interface Identity {
  queue: string;
  description: AddEventData["description"];
}

/**
 * A Queue that records an ADD event per added item and a MOVE event per stage change in an EventStore, and tells
 * each item's history. When the inner queue is a SqlQueue and the store a SqlEventStore on the same database,
 * the move and its events commit in one transaction; otherwise events are written after the move succeeds.
 */
export class QueueWithEvents implements QueueWithHistory {
  readonly inner: Queue;
  readonly store: EventStore;
  readonly names: EventNames;
  private readonly shared: ReturnType<typeof sharedTransaction>;
  private readonly options: QueueWithEventsOptions;
  private readonly logger: Logger;
  private identity: Promise<Identity> | null = null;
  private readonly wakers = new Set<() => void>();
  /** The inner queue's pause flag, when its backend stores one (a pause moves no item, so nothing is recorded). */
  readonly isPaused?: () => Promise<boolean>;
  readonly setPaused?: (paused: boolean) => Promise<void>;
  /** The inner queue's completion callbacks, when its backend records them (with its moves, so nothing here). */
  readonly callbackSettings?: QueueWithCallbacks["callbackSettings"];
  readonly setCallbackSettings?: QueueWithCallbacks["setCallbackSettings"];
  readonly callbacks?: QueueWithCallbacks["callbacks"];
  readonly resendCallbacks?: QueueWithCallbacks["resendCallbacks"];
  /** The inner queue's controller status, when its backend stores one (a status moves no item either). */
  readonly recordControllerStatus?: (report: ControllerStatusReport) => Promise<void>;
  readonly controllerStatus?: () => Promise<ControllerStatus | null>;
  /** The inner queue's rescue reports (ReportsRescues): it rescues, here or in its own calls, and tells of it. */
  readonly observeRescues?: (observer: QueueObserver) => void;

  constructor(
    queue: Queue,
    store: EventStore,
    names: EventNamesOption,
    options: QueueWithEventsOptions = {},
  ) {
    this.inner = queue;
    this.store = store;
    this.names = resolveEventNames(names);
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.shared = sharedTransaction(queue, store);
    if (canPause(queue)) {
      this.isPaused = () => queue.isPaused();
      this.setPaused = (paused) => queue.setPaused(paused);
    }
    if (hasCallbacks(queue)) {
      this.callbackSettings = () => queue.callbackSettings();
      this.setCallbackSettings = (update) => queue.setCallbackSettings(update);
      this.callbacks = (options) => queue.callbacks(options);
      this.resendCallbacks = (ids) => queue.resendCallbacks(ids);
    }
    if (hasControllerStatus(queue)) {
      this.recordControllerStatus = (report) => queue.recordControllerStatus(report);
      this.controllerStatus = () => queue.controllerStatus();
    }
    if (reportsRescues(queue)) this.observeRescues = (observer) => queue.observeRescues(observer);
  }

  /** True when moves and their events commit in one transaction. */
  get atomic(): boolean {
    return this.shared !== null;
  }

  /**
   * Runs a change on the inner queue and records the events it implies: in the same transaction when the queue
   * and the store share a database, else after the change, reporting (never raising) a failed write.
   */
  private async record<T>(
    change: (queue: Queue) => Promise<T>,
    events: (result: T, identity: Identity) => NewEvent[],
  ): Promise<T> {
    const identity = await this.itemIdentity();
    const shared = this.shared;
    if (shared) {
      return shared.queue.transaction(async (txQueue, tx) => {
        const result = await change(txQueue);
        const toRecord = events(result, identity);
        if (toRecord.length > 0) {
          try {
            await shared.store.withDatabase(tx).addMany(toRecord);
          } catch (error) {
            throw new QueueUnavailable("could not record the events of a move; the move was rolled back", {
              cause: error,
            });
          }
        }
        return result;
      });
    }
    const result = await change(this.inner);
    const toRecord = events(result, identity);
    if (toRecord.length > 0) await this.addAfterMove(toRecord, identity.queue);
    return result;
  }

  /**
   * Like record(), for the calls SqlQueue can record inside their own statement (put, get, success, fail, requeue,
   * rescueExpired): when the pair shares a database, the change runs on a queue whose statement also inserts the
   * events (one round trip, one implicit transaction: both commit or neither); otherwise as record() does.
   */
  private async recordInStatement<T>(
    change: (queue: Queue) => Promise<T>,
    events: (result: T, identity: Identity) => NewEvent[],
    options?: ReadonlyMap<ItemId, JsonObject>,
  ): Promise<T> {
    const shared = this.shared;
    if (!shared) return this.record(change, events);
    const identity = await this.itemIdentity();
    const recording = shared.queue.recording(
      shared.store.recorder({
        addName: this.names.add,
        moveName: this.names.move,
        queue: identity.queue,
        description: identity.description as JsonObject,
        metadata: this.options.metadata ?? {},
        ...(options ? { options } : {}),
      }),
    );
    try {
      return await change(recording);
    } catch (error) {
      if (isQueueError(error)) throw error;
      throw new QueueUnavailable("could not record the events of a move; the move was rolled back", {
        cause: error,
      });
    }
  }

  private async addAfterMove(events: NewEvent[], queue: string): Promise<void> {
    try {
      await this.store.addMany(events);
    } catch (error) {
      this.logger.error(
        { err: error, queue, lostEvents: events.length },
        "events not recorded: the queue changed but the event store write failed",
      );
      try {
        await this.options.onLostEvents?.(events, error);
      } catch (hookError) {
        this.logger.error({ err: hookError, queue }, "onLostEvents failed");
      }
    }
  }

  private itemIdentity(): Promise<Identity> {
    if (this.identity === null) {
      this.identity = this.inner.description().then((description) => ({
        queue: this.options.queueName ?? queueNameOf(description),
        description: JSON.parse(JSON.stringify(description)) as Identity["description"],
      }));
      // A failed lookup (e.g. storage down) is retried on the next call rather than remembered.
      this.identity.catch(() => {
        this.identity = null;
      });
    }
    return this.identity;
  }

  private addEvent(identity: Identity, id: ItemId, body: JsonValue, options?: JsonObject): NewEvent {
    const data: AddEventData = { queue: identity.queue, id, body, description: identity.description };
    if (options !== undefined && Object.keys(options).length > 0) data.options = options;
    return this.event(this.names.add, data);
  }

  private moveEvent(
    identity: Identity,
    id: ItemId,
    from: StageName,
    to: StageName,
    extra: MoveExtra = {},
  ): NewEvent {
    const data: MoveEventData = { queue: identity.queue, id, from, to };
    if (extra.action !== undefined) data.action = extra.action;
    if (extra.reason !== undefined && extra.reason !== null) data.reason = extra.reason;
    if (extra.attempt !== undefined) data.attempt = extra.attempt;
    return this.event(this.names.move, data);
  }

  private moveEvents(identity: Identity, ids: readonly ItemId[], from: StageName, to: StageName): NewEvent[] {
    return ids.map((id) => this.moveEvent(identity, id, from, to));
  }

  /** RESCUE moves: expired leases counted as failed attempts, retried (→ WAITING) or failed for good (→ FAIL). */
  private rescueEvents(identity: Identity, rescued: RescueResult): NewEvent[] {
    const rescue = { action: "RESCUE", reason: LEASE_EXPIRED_REASON } as const;
    return [
      ...rescued.retried.map((id) => this.moveEvent(identity, id, "PROCESSING", "WAITING", rescue)),
      ...rescued.failed.map((id) => this.moveEvent(identity, id, "PROCESSING", "FAIL", rescue)),
    ];
  }

  private event(name: string, data: JsonObject): NewEvent {
    return { name, version: ITEM_EVENT_VERSION, data, metadata: this.options.metadata ?? {} };
  }

  /** Wakes this wrapper's own waiting getJobs calls after a change that may have made work available. */
  private wake(): void {
    for (const waker of this.wakers) waker();
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const result = await this.recordInStatement(
      (queue) => queue.put(items),
      (result, identity) => result.added.map((id) => this.addEvent(identity, id, items[id] ?? null)),
    );
    if (result.added.length > 0) this.wake();
    return result;
  }

  async putJobs(jobs: readonly NewJob[]): Promise<PutResult> {
    // The options each added item's ADD event carries, from the first job of its id (the one the queue adds).
    const options = new Map<ItemId, JsonObject>();
    const seen = new Set<unknown>();
    for (const job of Array.isArray(jobs) ? (jobs as unknown[]) : []) {
      if (job === null || typeof job !== "object" || seen.has((job as NewJob).id)) continue;
      seen.add((job as NewJob).id);
      const given = jobOptions(job as NewJob);
      if (Object.keys(given).length > 0) options.set((job as NewJob).id, given);
    }
    const result = await this.recordInStatement(
      (queue) => queue.putJobs(jobs),
      (result, identity) => {
        // The inner queue validated the batch; the first job of a repeated id is the one it added.
        const byId = new Map<ItemId, NewJob>();
        for (const job of jobs) if (!byId.has(job.id)) byId.set(job.id, job);
        return result.added.map((id) => {
          const job = byId.get(id);
          return this.addEvent(identity, id, job?.body ?? null, job ? jobOptions(job) : undefined);
        });
      },
      options,
    );
    if (result.added.length > 0) this.wake();
    return result;
  }

  /**
   * Rescues expired leases first (recording RESCUE moves), then hands items out (recording one move per item with
   * its attempt), in one transaction when the pair is atomic. A wait for work happens between tries, never inside
   * a transaction: each try is one short transaction, woken by this wrapper's own puts, retries and requeues, or
   * else polling about once a second.
   */
  async getJobs(n: number, options?: GetOptions): Promise<Job[]> {
    assertCount(n);
    const { leaseSeconds, waitSeconds } = normalizeGetOptions(options);
    const take = () => this.take(n, leaseSeconds);
    if (waitSeconds === 0 || n === 0) return take();
    return waitForWork(take, {
      waitSeconds,
      signal: options?.signal,
      subscribe: (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
    });
  }

  private async take(n: number, leaseSeconds: number | null): Promise<Job[]> {
    const lease = leaseSeconds === null ? {} : { leaseSeconds };
    // SqlQueue's get statement rescues expired leases itself, and records those RESCUE moves with its own.
    if (this.shared)
      return this.recordInStatement(
        (queue) => queue.getJobs(n, lease),
        () => [],
      );
    const { jobs, rescued } = await this.record(
      async (queue) => {
        const rescued = await queue.rescueExpired();
        return { rescued, jobs: await queue.getJobs(n, lease) };
      },
      ({ rescued, jobs }, identity) => [
        ...this.rescueEvents(identity, rescued),
        ...jobs.map((job) =>
          this.moveEvent(identity, job.itemId, "WAITING", "PROCESSING", { attempt: job.attempt }),
        ),
      ],
    );
    if (rescued.retried.length > 0) this.wake();
    return jobs;
  }

  async get(n: number, options?: GetOptions): Promise<Array<[ItemId, JsonValue]>> {
    return (await this.getJobs(n, options)).map((job) => [job.itemId, job.body]);
  }

  /** A heartbeat, not a move: passed through, nothing recorded. */
  extend(id: ItemId, options: ExtendOptions): Promise<Date> {
    return this.inner.extend(id, options);
  }

  async success(id: ItemId, options?: SuccessOptions): Promise<void> {
    await this.recordInStatement(
      (queue) => queue.success(id, options),
      (_, identity) => [this.moveEvent(identity, id, "PROCESSING", "SUCCESS")],
    );
  }

  async fail(id: ItemId, options?: FailOptions): Promise<FailOutcome> {
    const outcome = await this.recordInStatement(
      (queue) => queue.fail(id, options),
      (outcome, identity) => [this.failEvent(identity, id, outcome === "WAITING", options?.reason)],
    );
    if (outcome === "WAITING") this.wake();
    return outcome;
  }

  /** A failed attempt: RETRY back to WAITING, or PROCESSING → FAIL, with the reason as the queue stored it. */
  private failEvent(identity: Identity, id: ItemId, retried: boolean, reason: string | undefined): NewEvent {
    // The inner queue accepted the reason, so normalizing it again cannot throw; it yields what last_error holds.
    const stored = normalizeReason(reason);
    return retried
      ? this.moveEvent(identity, id, "PROCESSING", "WAITING", { action: "RETRY", reason: stored })
      : this.moveEvent(identity, id, "PROCESSING", "FAIL", { reason: stored });
  }

  async successMany(items: readonly (ItemId | Completion)[]): Promise<MoveResult> {
    return this.recordInStatement(
      (queue) => queue.successMany(items),
      (result, identity) => this.moveEvents(identity, result.moved, "PROCESSING", "SUCCESS"),
    );
  }

  async failMany(items: readonly (ItemId | Failure)[]): Promise<FailManyResult> {
    const result = await this.recordInStatement(
      (queue) => queue.failMany(items),
      (result, identity) => {
        // The first entry of a repeated id is the one the queue acted on.
        const reasons = new Map<ItemId, string | undefined>();
        for (const item of items) {
          const { id, reason } = typeof item === "string" ? { id: item, reason: undefined } : item;
          if (!reasons.has(id)) reasons.set(id, reason);
        }
        const retried = new Set(result.retried);
        return result.moved.map((id) => this.failEvent(identity, id, retried.has(id), reasons.get(id)));
      },
    );
    if (result.retried.length > 0) this.wake();
    return result;
  }

  /**
   * WAITING or PROCESSING → FAIL, recorded as CANCEL with the reason. Expired leases are rescued first (recorded),
   * then the item's stage is read for the event's `from`, in the same transaction as the cancel when atomic.
   */
  async cancel(id: ItemId, reason?: string): Promise<void> {
    assertItemId(id);
    const stored = normalizeReason(reason) ?? CANCELLED_REASON;
    await this.record(
      async (queue) => {
        const rescued = await queue.rescueExpired();
        const from = stageName(await queue.lookupStatus(id));
        await queue.cancel(id, reason);
        return { rescued, from };
      },
      ({ rescued, from }, identity) => [
        ...this.rescueEvents(identity, rescued),
        this.moveEvent(identity, id, from, "FAIL", { action: "CANCEL", reason: stored }),
      ],
    );
  }

  /**
   * Removes items for good, and records a last MOVE with action DELETE per removed item (its `from` and `to` are
   * the stage it was removed from), so the history tells when an item went. The stages are read before the delete,
   * in the same transaction when atomic.
   */
  async delete(ids: readonly ItemId[]): Promise<DeleteResult> {
    if (!Array.isArray(ids)) throw new InvalidArgument("ids", "must be an array of item ids");
    const unique = idList(ids);
    const { result } = await this.record(
      async (queue) => {
        const stages = await stagesOf(queue, unique);
        return { stages, result: await queue.delete(ids) };
      },
      ({ result, stages }, identity) =>
        result.deleted.flatMap((id) => {
          const stage = stages.get(id);
          return stage === undefined
            ? []
            : [this.moveEvent(identity, id, stage, stage, { action: "DELETE" })];
        }),
    );
    return result;
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    const result = await this.recordInStatement(
      (queue) => queue.requeue(ids),
      (result, identity) =>
        result.requeued.map((id) => this.moveEvent(identity, id, "FAIL", "WAITING", { action: "REQUEUE" })),
    );
    if (result.requeued.length > 0) this.wake();
    return result;
  }

  /** Clears run_after of delayed WAITING items: no stage changes, nothing recorded. */
  async retryNow(ids: readonly ItemId[]): Promise<MoveResult> {
    const result = await this.inner.retryNow(ids);
    if (result.moved.length > 0) this.wake();
    return result;
  }

  /**
   * Retention passes straight through and records nothing: writing an event per purged item would grow the event
   * store by what the purge removes from the queue. The purged items' histories stay in the store until its own
   * retention trims them.
   */
  async purge(options: PurgeOptions): Promise<PurgeResult> {
    return this.inner.purge(options);
  }

  /**
   * Stats from the recorded history: done, failed and failure reasons from the moves to SUCCESS / FAIL in the window,
   * durations as PROCESSING time (the last hand-out → the finish), so retries and requeues are counted as they
   * happened; sizes and the oldest waiting age from the inner queue, whose own stats (from item timestamps) this
   * needs. A queue without stats says so.
   */
  async stats(options?: StatsOptions): Promise<QueueStats> {
    if (!hasStats(this.inner)) throw new InvalidArgument("stats", "this queue's backend keeps no stats");
    const fromItems = await this.inner.stats(options);
    const { queue } = await this.itemIdentity();
    const moves = await this.store.finishedMoves({
      queue,
      moveName: this.names.move,
      since: fromItems.since,
    });
    return summarizeStats({
      now: new Date(fromItems.since.getTime() + fromItems.sinceSeconds * 1000),
      sinceSeconds: fromItems.sinceSeconds,
      sizes: fromItems.sizes,
      finished: moves.map((move) => ({
        stage: move.stage,
        seconds:
          move.startedAt === null
            ? null
            : Math.max(0, (move.finishedAt.getTime() - move.startedAt.getTime()) / 1000),
        finishedAt: move.finishedAt.getTime(),
        reason: move.reason,
      })),
      oldestWaitingSeconds: fromItems.oldestWaitingSeconds,
      measures: "processing",
      source: "events",
    });
  }

  /** Rescues expired leases in the inner queue and records a RESCUE move for each item it retried or failed. */
  async rescueExpired(): Promise<RescueResult> {
    const rescued = await this.recordInStatement(
      (queue) => queue.rescueExpired(),
      (rescued, identity) => this.rescueEvents(identity, rescued),
    );
    if (rescued.retried.length > 0) this.wake();
    return rescued;
  }

  /** The item's ADD and MOVE events in the order they happened; ItemNotFound when neither queue nor store knows it. */
  /**
   * Removes up to `limit` of this wrapper's events (its put and move names, across every queue that records under
   * them) older than the age, oldest first; returns how many. The queue's items are not touched.
   */
  async trimHistory(options: { olderThanSeconds: number; limit: number }): Promise<number> {
    const { olderThanSeconds, limit } = options;
    if (!Number.isFinite(olderThanSeconds) || olderThanSeconds < 0) {
      throw new InvalidArgument(
        "olderThanSeconds",
        `must be a number of seconds ≥ 0, got ${String(olderThanSeconds)}`,
      );
    }
    const before = new Date(Date.now() - olderThanSeconds * 1000);
    // The first call checks the limit for both.
    let removed = await this.store.trim({ name: this.names.move, before, limit });
    if (removed < limit)
      removed += await this.store.trim({ name: this.names.add, before, limit: limit - removed });
    return removed;
  }

  async history(id: ItemId): Promise<HistoryEntry[]> {
    assertItemId(id);
    const { queue } = await this.itemIdentity();
    const entries = historyEntries(await this.store.itemHistory(queue, id), this.names);
    // An item put before the queue was wrapped has no events; an unknown id is ItemNotFound like lookupItem.
    if (entries.length === 0) await this.inner.lookupStatus(id);
    return entries;
  }

  /**
   * Stage-level reads rescue expired leases first and record the RESCUE moves, so what they count is true (as
   * InMemoryQueue's own reads do) and no rescue goes unrecorded because a read did it. Arguments are checked
   * before, so a bad call changes nothing.
   */
  private async rescuedFirst<T>(read: () => Promise<T>): Promise<T> {
    await this.rescueExpired();
    return read();
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    return this.rescuedFirst(() => this.inner.peek(n));
  }

  async size(stage: QueueItemStage): Promise<number> {
    parseStage(stage);
    return this.rescuedFirst(() => this.inner.size(stage));
  }

  sizes(): Promise<StageSizes> {
    return this.rescuedFirst(() => this.inner.sizes());
  }

  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    parseStage(stage);
    normalizePage(page);
    return this.rescuedFirst(() => this.inner.lookupState(stage, page));
  }

  // Lookups of one item pass straight through: a rescue per lookup would add a statement to every lookup of a SQL
  // queue (the controller looks items up one by one). InMemoryQueue rescues in them on its own, unrecorded.
  lookupStatus(id: ItemId): Promise<QueueItemStage> {
    return this.inner.lookupStatus(id);
  }

  lookupItem(id: ItemId): Promise<QueueItem> {
    return this.inner.lookupItem(id);
  }

  lookupRecord(id: ItemId): Promise<ItemRecord> {
    return this.inner.lookupRecord(id);
  }

  async description(): Promise<QueueDescription> {
    const inner = await this.inner.description();
    return {
      implementation: "QueueWithEvents",
      arguments: {
        queue: { implementation: inner.implementation, arguments: inner.arguments },
        event_names: { add: this.names.add, move: this.names.move },
      },
    };
  }

  /** Closes the inner queue. The store belongs to whoever created it. */
  close(): Promise<void> {
    return this.inner.close();
  }
}

function queueNameOf(description: QueueDescription): string {
  const name = description.arguments.queue_name;
  return typeof name === "string" && name.length > 0 ? name : "default";
}

interface MoveExtra {
  action?: MoveAction;
  reason?: string | null;
  attempt?: number;
}

/** The options a putJobs job was given, as JSON (runAfter as ISO text); omitted options are left out. */
function jobOptions(job: NewJob): JsonObject {
  const options: JsonObject = {};
  if (job.priority !== undefined) options.priority = job.priority;
  if (job.delaySeconds !== undefined) options.delaySeconds = job.delaySeconds;
  // Called before the queue validates the jobs: a runAfter that is no Date is left to its error.
  if (job.runAfter instanceof Date && !Number.isNaN(job.runAfter.getTime()))
    options.runAfter = job.runAfter.toISOString();
  if (job.maxAttempts !== undefined) options.maxAttempts = job.maxAttempts;
  return options;
}

/** The stage of each id the queue knows (unknown ids are left out), read a few at a time. */
async function stagesOf(queue: Queue, ids: readonly ItemId[]): Promise<Map<ItemId, StageName>> {
  const stages = new Map<ItemId, StageName>();
  const CONCURRENCY = 32;
  for (let start = 0; start < ids.length; start += CONCURRENCY) {
    await Promise.all(
      ids.slice(start, start + CONCURRENCY).map(async (id) => {
        try {
          stages.set(id, stageName(await queue.lookupStatus(id)));
        } catch (error) {
          if (!isQueueError(error, "ITEM_NOT_FOUND")) throw error;
        }
      }),
    );
  }
  return stages;
}
