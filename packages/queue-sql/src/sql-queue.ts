import {
  assertCount,
  assertItemId,
  type BodyLimits,
  InvalidTransition,
  type ItemId,
  ItemNotFound,
  idList,
  type JsonValue,
  type MoveResult,
  normalizePage,
  type PageRequest,
  type PutResult,
  parseStage,
  type Queue,
  type QueueDescription,
  type QueueItem,
  type QueueItemStage,
  type RequeueResult,
  type SkippedItem,
  type StageName,
  type StageSizes,
  stageName,
  type ValidItem,
  validatePutBatch,
} from "@task-queue/queue-core";
import type { SqlDriver } from "./connection.js";
import type { SqlDatabase } from "./database.js";
import { translateErrors } from "./database-errors.js";
import { executorFor } from "./executor.js";
import { migrateQueueTable } from "./migrate.js";
import { takeWaiting } from "./sql/get.js";
import { findItem, findStages } from "./sql/lookup.js";
import { idsInStage } from "./sql/lookup-state.js";
import { moveItem, moveItems } from "./sql/move.js";
import { peekWaiting } from "./sql/peek.js";
import { insertItems } from "./sql/put.js";
import type { QueueScope } from "./sql/scope.js";
import { countByStage, countStage } from "./sql/sizes.js";
import type { QueueTable } from "./table.js";

/** Items per INSERT: big enough that the round trip is amortised, small enough to keep one statement's text modest. */
export const PUT_CHUNK_ITEMS = 5_000;
/** And at most this many characters of JSON per INSERT, so large bodies make smaller chunks. */
export const PUT_CHUNK_CHARS = 16 * 1024 * 1024;

/** Everything a SqlQueue runs on; built by openSqlQueue / SqlQueueNamespace. */
export interface SqlQueueContext {
  db: SqlDatabase;
  driver: SqlDriver;
  table: QueueTable;
  queueName: string;
  /** The connection as descriptions show it (password redacted). */
  connectionLabel: string;
  limits?: BodyLimits;
  /** Closes what this queue opened; absent when the connection belongs to someone else. */
  closeConnection?: () => Promise<void>;
}

function chunksOf(items: readonly ValidItem[]): ValidItem[][] {
  const chunks: ValidItem[][] = [];
  let current: ValidItem[] = [];
  let chars = 0;
  for (const item of items) {
    if (
      current.length >= PUT_CHUNK_ITEMS ||
      (current.length > 0 && chars + item.json.length > PUT_CHUNK_CHARS)
    ) {
      chunks.push(current);
      current = [];
      chars = 0;
    }
    current.push(item);
    chars += item.json.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * A Queue in a PostgreSQL table (a server through postgres.js, or embedded PGlite), many named queues to a table.
 * Each operation is one statement where it can be; get uses FOR UPDATE SKIP LOCKED so that concurrent consumers,
 * in any number of processes, never receive the same item.
 */
export class SqlQueue implements Queue {
  private readonly context: SqlQueueContext;
  private readonly scope: QueueScope;
  private closed = false;

  constructor(context: SqlQueueContext) {
    this.context = context;
    this.scope = { run: executorFor(context.db), table: context.table, queueName: context.queueName };
  }

  get queueName(): string {
    return this.context.queueName;
  }

  get tableName(): string {
    return this.context.table.name;
  }

  get driver(): SqlDriver {
    return this.context.driver;
  }

  /** The drizzle database the queue runs on (a transaction's `tx` for a queue given to transaction()'s callback). */
  get database(): SqlDatabase {
    return this.context.db;
  }

  /** Creates or updates the queue table; idempotent, and safe when several processes run it at once. */
  async migrate(): Promise<string[]> {
    return translateErrors(() => migrateQueueTable(this.context.db, this.context.table.name));
  }

  /**
   * Runs fn in one database transaction: every operation of `txQueue` goes through `tx`, so they (and anything
   * else fn does with tx, e.g. recording events) commit together or not at all. Rolls back when fn throws.
   */
  async transaction<T>(fn: (txQueue: SqlQueue, tx: SqlDatabase) => Promise<T>): Promise<T> {
    return this.context.db.transaction(async (tx) => {
      const txQueue = new SqlQueue({ ...this.context, db: tx, closeConnection: undefined });
      return fn(txQueue, tx);
    });
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const valid = validatePutBatch(items, this.context.limits);
    if (valid.length === 0) return { added: [], skipped: [] };
    const chunks = chunksOf(valid);
    const insertAll = async (db: SqlDatabase): Promise<Set<ItemId>> => {
      const added = new Set<ItemId>();
      const scope = { ...this.scope, run: executorFor(db) };
      for (const chunk of chunks) for (const id of await insertItems(scope, chunk)) added.add(id);
      return added;
    };
    // One statement is atomic on its own; several chunks share a transaction so a failure writes nothing.
    const added = await translateErrors(() =>
      chunks.length === 1 ? insertAll(this.context.db) : this.context.db.transaction(insertAll),
    );
    const result: PutResult = { added: [], skipped: [] };
    for (const { id } of valid) (added.has(id) ? result.added : result.skipped).push(id);
    return result;
  }

  async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    if (n === 0) return [];
    return translateErrors(() => takeWaiting(this.scope, n));
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    if (n === 0) return [];
    return translateErrors(() => peekWaiting(this.scope, n));
  }

  private async finish(id: ItemId, action: "success" | "fail"): Promise<void> {
    assertItemId(id);
    const to: StageName = action === "success" ? "SUCCESS" : "FAIL";
    await translateErrors(async () => {
      if (await moveItem(this.scope, id, "PROCESSING", to)) return;
      // Nothing moved: a second look tells a missing item from one in the wrong stage.
      const found = await findItem(this.scope, id);
      if (found === undefined) throw new ItemNotFound(id);
      throw new InvalidTransition(id, action, stageName(found.stage));
    });
  }

  async success(id: ItemId): Promise<void> {
    await this.finish(id, "success");
  }

  async fail(id: ItemId): Promise<void> {
    await this.finish(id, "fail");
  }

  private async moveMany(ids: readonly ItemId[], from: StageName, to: StageName): Promise<MoveResult> {
    const list = idList(ids);
    if (list.length === 0) return { moved: [], skipped: [] };
    return translateErrors(async () => {
      const moved = new Set(await moveItems(this.scope, list, from, to));
      const result: MoveResult = { moved: [], skipped: [] };
      const rest = list.filter((id) => !moved.has(id));
      // Only when something was skipped does it cost a second statement, to say why.
      const stages = rest.length > 0 ? await findStages(this.scope, rest) : new Map<ItemId, QueueItemStage>();
      for (const id of list) {
        if (moved.has(id)) {
          result.moved.push(id);
          continue;
        }
        const stage = stages.get(id);
        const skipped: SkippedItem =
          stage === undefined
            ? { id, reason: "NOT_FOUND" }
            : { id, reason: "WRONG_STAGE", stage: stageName(stage) };
        result.skipped.push(skipped);
      }
      return result;
    });
  }

  async successMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return this.moveMany(ids, "PROCESSING", "SUCCESS");
  }

  async failMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return this.moveMany(ids, "PROCESSING", "FAIL");
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    const { moved, skipped } = await this.moveMany(typeof ids === "string" ? [ids] : ids, "FAIL", "WAITING");
    return { requeued: moved, skipped };
  }

  async size(stage: QueueItemStage): Promise<number> {
    const parsed = parseStage(stage);
    return translateErrors(() => countStage(this.scope, parsed));
  }

  async sizes(): Promise<StageSizes> {
    return translateErrors(() => countByStage(this.scope));
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    return (await this.lookupItem(id)).status;
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    assertItemId(id);
    const found = await translateErrors(() => findItem(this.scope, id));
    if (found === undefined) throw new ItemNotFound(id);
    return { itemId: id, status: found.stage, itemBody: found.body };
  }

  async lookupState(
    stage: QueueItemStage,
    page?: PageRequest,
  ): Promise<{ ids: ItemId[]; nextCursor: string | null }> {
    const parsed = parseStage(stage);
    const request = normalizePage(page);
    if (request === null) {
      return {
        ids: await translateErrors(() => idsInStage(this.scope, parsed, null, null)),
        nextCursor: null,
      };
    }
    // One row more than the page tells whether another page follows.
    const ids = await translateErrors(() =>
      idsInStage(this.scope, parsed, request.cursor, request.limit + 1),
    );
    const hasMore = ids.length > request.limit;
    const pageIds = hasMore ? ids.slice(0, request.limit) : ids;
    return { ids: pageIds, nextCursor: hasMore ? pageIds[pageIds.length - 1]! : null };
  }

  async description(): Promise<QueueDescription> {
    return {
      implementation: "SqlQueue",
      arguments: {
        driver: this.context.driver,
        queue_name: this.context.queueName,
        table_name: this.context.table.name,
        connection: this.context.connectionLabel,
      },
    };
  }

  /** Closes the connection when this queue opened it; a queue on a shared or provided connection leaves it open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.closeConnection?.();
  }
}
