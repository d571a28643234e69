import { InvalidTransition, ItemNotFound } from "./errors.js";
import type { JsonValue } from "./json.js";
import type {
  ItemId,
  MoveResult,
  PageRequest,
  PutResult,
  Queue,
  QueueDescription,
  QueueItem,
  QueueNamespace,
  RequeueResult,
  StatePage,
} from "./queue.js";
import { parseStage, QueueItemStage, STAGE_NAMES, type StageSizes, stageName } from "./stage.js";
import {
  assertCount,
  assertItemId,
  assertQueueName,
  idList,
  normalizePage,
  validatePutBatch,
} from "./validation.js";

interface Entry {
  stage: QueueItemStage;
  body: JsonValue;
}

/**
 * A queue held in process memory. Each stage is an insertion-ordered Map, so WAITING is FIFO by the time an
 * item entered it and every move is O(1). No method awaits before it has finished its change, so concurrent
 * callers in one process never see a half-done move.
 */
export class InMemoryQueue implements Queue {
  readonly name: string;
  private readonly items = new Map<ItemId, Entry>();
  private readonly stages: [Map<ItemId, true>, Map<ItemId, true>, Map<ItemId, true>, Map<ItemId, true>] = [
    new Map(),
    new Map(),
    new Map(),
    new Map(),
  ];

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? "default";
  }

  private move(id: ItemId, entry: Entry, to: QueueItemStage): void {
    this.stages[entry.stage].delete(id);
    entry.stage = to;
    this.stages[to].set(id, true);
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const valid = validatePutBatch(items);
    const result: PutResult = { added: [], skipped: [] };
    for (const { id, json } of valid) {
      if (this.items.has(id)) {
        result.skipped.push(id);
        continue;
      }
      // Store a copy so later changes to the caller's object do not reach into the queue.
      this.items.set(id, { stage: QueueItemStage.WAITING, body: JSON.parse(json) as JsonValue });
      this.stages[QueueItemStage.WAITING].set(id, true);
      result.added.push(id);
    }
    return result;
  }

  private firstWaiting(n: number): Array<[ItemId, JsonValue]> {
    const out: Array<[ItemId, JsonValue]> = [];
    if (n === 0) return out;
    for (const id of this.stages[QueueItemStage.WAITING].keys()) {
      out.push([id, structuredClone(this.items.get(id)!.body)]);
      if (out.length >= n) break;
    }
    return out;
  }

  async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    const out = this.firstWaiting(n);
    for (const [id] of out) this.move(id, this.items.get(id)!, QueueItemStage.PROCESSING);
    return out;
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    return this.firstWaiting(n);
  }

  private finish(id: ItemId, action: "success" | "fail"): void {
    assertItemId(id);
    const entry = this.items.get(id);
    if (!entry) throw new ItemNotFound(id);
    if (entry.stage !== QueueItemStage.PROCESSING)
      throw new InvalidTransition(id, action, stageName(entry.stage));
    this.move(id, entry, action === "success" ? QueueItemStage.SUCCESS : QueueItemStage.FAIL);
  }

  async success(id: ItemId): Promise<void> {
    this.finish(id, "success");
  }

  async fail(id: ItemId): Promise<void> {
    this.finish(id, "fail");
  }

  private moveMany(ids: readonly ItemId[], from: QueueItemStage, to: QueueItemStage): MoveResult {
    const result: MoveResult = { moved: [], skipped: [] };
    for (const id of idList(ids)) {
      const entry = this.items.get(id);
      if (!entry) result.skipped.push({ id, reason: "NOT_FOUND" });
      else if (entry.stage !== from)
        result.skipped.push({ id, reason: "WRONG_STAGE", stage: stageName(entry.stage) });
      else {
        this.move(id, entry, to);
        result.moved.push(id);
      }
    }
    return result;
  }

  async successMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return this.moveMany(ids, QueueItemStage.PROCESSING, QueueItemStage.SUCCESS);
  }

  async failMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return this.moveMany(ids, QueueItemStage.PROCESSING, QueueItemStage.FAIL);
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    const { moved, skipped } = this.moveMany(
      typeof ids === "string" ? [ids] : ids,
      QueueItemStage.FAIL,
      QueueItemStage.WAITING,
    );
    return { requeued: moved, skipped };
  }

  async size(stage: QueueItemStage): Promise<number> {
    return this.stages[parseStage(stage)].size;
  }

  async sizes(): Promise<StageSizes> {
    return {
      WAITING: this.stages[0].size,
      PROCESSING: this.stages[1].size,
      SUCCESS: this.stages[2].size,
      FAIL: this.stages[3].size,
    };
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    assertItemId(id);
    const entry = this.items.get(id);
    if (!entry) throw new ItemNotFound(id);
    return entry.stage;
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    assertItemId(id);
    const entry = this.items.get(id);
    if (!entry) throw new ItemNotFound(id);
    return { itemId: id, status: entry.stage, itemBody: structuredClone(entry.body) };
  }

  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    const ids = this.stages[parseStage(stage)];
    const request = normalizePage(page);
    if (request === null) return { ids: [...ids.keys()], nextCursor: null };
    // Pages are in id order, so a cursor (the last id of a page) stays meaningful while items move.
    const after = request.cursor;
    const candidates: ItemId[] = [];
    for (const id of ids.keys()) if (after === null || id > after) candidates.push(id);
    candidates.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pageIds = candidates.slice(0, request.limit);
    const hasMore = candidates.length > request.limit;
    return { ids: pageIds, nextCursor: hasMore ? pageIds[pageIds.length - 1]! : null };
  }

  async description(): Promise<QueueDescription> {
    return { implementation: "InMemoryQueue", arguments: { queue_name: this.name } };
  }

  async close(): Promise<void> {}
}

/** Named in-memory queues, created on first use. */
export class InMemoryQueueNamespace implements QueueNamespace {
  private readonly queues = new Map<string, InMemoryQueue>();

  queue(name: string): InMemoryQueue {
    assertQueueName(name);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new InMemoryQueue({ name });
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
