import {
  assertItemId,
  type HistoryEntry,
  type ItemId,
  type JsonObject,
  type JsonValue,
  type Logger,
  type MoveResult,
  type PageRequest,
  type PutResult,
  type Queue,
  type QueueDescription,
  type QueueItem,
  type QueueItemStage,
  QueueUnavailable,
  type QueueWithHistory,
  type RequeueResult,
  type StageName,
  type StageSizes,
  type StatePage,
  silentLogger,
} from "@task-queue/queue-core";
import { type AddEventData, ITEM_EVENT_VERSION, type MoveEventData, type NewEvent } from "./event.js";
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

  private addEvent(identity: Identity, id: ItemId, body: JsonValue): NewEvent {
    const data: AddEventData = { queue: identity.queue, id, body, description: identity.description };
    return this.event(this.names.add, data);
  }

  private moveEvents(identity: Identity, ids: readonly ItemId[], from: StageName, to: StageName): NewEvent[] {
    return ids.map((id) => {
      const data: MoveEventData = { queue: identity.queue, id, from, to };
      return this.event(this.names.move, data);
    });
  }

  private event(name: string, data: JsonObject): NewEvent {
    return { name, version: ITEM_EVENT_VERSION, data, metadata: this.options.metadata ?? {} };
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    return this.record(
      (queue) => queue.put(items),
      (result, identity) => result.added.map((id) => this.addEvent(identity, id, items[id] ?? null)),
    );
  }

  async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    return this.record(
      (queue) => queue.get(n),
      (got, identity) =>
        this.moveEvents(
          identity,
          got.map(([id]) => id),
          "WAITING",
          "PROCESSING",
        ),
    );
  }

  async success(id: ItemId): Promise<void> {
    await this.record(
      (queue) => queue.success(id),
      (_, identity) => this.moveEvents(identity, [id], "PROCESSING", "SUCCESS"),
    );
  }

  async fail(id: ItemId): Promise<void> {
    await this.record(
      (queue) => queue.fail(id),
      (_, identity) => this.moveEvents(identity, [id], "PROCESSING", "FAIL"),
    );
  }

  async successMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return this.record(
      (queue) => queue.successMany(ids),
      (result, identity) => this.moveEvents(identity, result.moved, "PROCESSING", "SUCCESS"),
    );
  }

  async failMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return this.record(
      (queue) => queue.failMany(ids),
      (result, identity) => this.moveEvents(identity, result.moved, "PROCESSING", "FAIL"),
    );
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    return this.record(
      (queue) => queue.requeue(ids),
      (result, identity) => this.moveEvents(identity, result.requeued, "FAIL", "WAITING"),
    );
  }

  /** The item's ADD and MOVE events in the order they happened; ItemNotFound when neither queue nor store knows it. */
  async history(id: ItemId): Promise<HistoryEntry[]> {
    assertItemId(id);
    const { queue } = await this.itemIdentity();
    const entries = historyEntries(await this.store.itemHistory(queue, id), this.names);
    // An item put before the queue was wrapped has no events; an unknown id is ItemNotFound like lookupItem.
    if (entries.length === 0) await this.inner.lookupStatus(id);
    return entries;
  }

  peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    return this.inner.peek(n);
  }

  size(stage: QueueItemStage): Promise<number> {
    return this.inner.size(stage);
  }

  sizes(): Promise<StageSizes> {
    return this.inner.sizes();
  }

  lookupStatus(id: ItemId): Promise<QueueItemStage> {
    return this.inner.lookupStatus(id);
  }

  lookupItem(id: ItemId): Promise<QueueItem> {
    return this.inner.lookupItem(id);
  }

  lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    return this.inner.lookupState(stage, page);
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
