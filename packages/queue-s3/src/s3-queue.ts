import {
  assertCount,
  assertItemId,
  InvalidArgument,
  InvalidTransition,
  type ItemId,
  ItemNotFound,
  type JsonValue,
  type MoveResult,
  normalizePage,
  type PageRequest,
  type PutResult,
  parseStage,
  type Queue,
  type QueueDescription,
  type QueueItem,
  QueueItemStage,
  type RequeueResult,
  type StageSizes,
  type StatePage,
  stageName,
  validatePutBatch,
} from "@task-queue/queue-core";
import { MAX_KEY_BYTES, QueueLayout } from "./layout.js";
import { Limiter } from "./limiter.js";
import { takeWaiting } from "./ops/get.js";
import { locate } from "./ops/locate.js";
import { findItem } from "./ops/lookup.js";
import { idsInStage } from "./ops/lookup-state.js";
import { moveMany, moveOne } from "./ops/move.js";
import { peekWaiting } from "./ops/peek.js";
import { putItems } from "./ops/put.js";
import type { S3QueueScope } from "./ops/scope.js";
import { countByStage } from "./ops/sizes.js";
import type { S3QueueOptions } from "./options.js";
import { assertS3QueueName } from "./queue-name.js";
import { S3Backend } from "./s3-backend.js";
import { joinKey } from "./s3-path.js";

/** The object marking a named queue's folder; its name can never be a queue or stage name. */
const QUEUE_MARKER = ".task-queue.json";

/**
 * A queue of JSON objects in an S3 bucket: `<prefix>/<STAGE>/<encoded id>.json`. Moves copy, then delete; get
 * claims an item by writing it to PROCESSING with If-None-Match: * where the store enforces it, and serialises
 * claims within this process always. An item left in two stages by an interrupted move counts in one of them
 * (see resolve-copies.ts), and the next operation that sees both deletes the stale copy. Each operation lives in
 * its own module under ops/; this class validates arguments and holds what they share.
 */
export class S3Queue implements Queue {
  readonly name: string;
  private readonly layout: QueueLayout;
  private readonly scope: S3QueueScope;
  /** Serialises get within this process: listing WAITING and claiming must not interleave with another get. */
  private readonly claims = new Limiter(1);
  private readonly ownsBackend: boolean;
  /** Named queues mark their folder once per handle (see markFolder). */
  private folderMarked: Promise<void> | null;

  constructor(options: S3QueueOptions);
  /** @internal Used by S3QueueNamespace: a queue on a shared backend, at `prefix`. */
  constructor(options: S3QueueOptions, backend: S3Backend, prefix: string);
  constructor(
    options: S3QueueOptions,
    private readonly backend: S3Backend = new S3Backend(options),
    prefix?: string,
  ) {
    this.ownsBackend = prefix === undefined;
    if (options.queueName !== undefined) assertS3QueueName(options.queueName);
    this.name = options.queueName ?? "default";
    this.layout = new QueueLayout(prefix ?? joinKey(backend.location.prefix, options.queueName ?? ""));
    this.scope = {
      store: backend.store,
      layout: this.layout,
      name: this.name,
      logger: backend.logger,
      capabilities: () => backend.capabilities(),
    };
    this.folderMarked = this.layout.prefix === backend.location.prefix ? Promise.resolve() : null;
    if (this.layout.maxKeyBytes() > MAX_KEY_BYTES) {
      throw new InvalidArgument(
        "basePath",
        `prefix ${JSON.stringify(this.layout.prefix)} is too long: with a 512-byte id a key would pass S3's ${MAX_KEY_BYTES}-byte limit`,
      );
    }
  }

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const valid = validatePutBatch(items);
    if (valid.length === 0) return { added: [], skipped: [] };
    const conditional = await this.backend.conditionalWrites();
    await this.markFolder();
    return putItems(this.scope, valid, conditional);
  }

  /**
   * Writes `<prefix>/<name>/.task-queue.json` once, beside the stage folders, so that the namespace's one-level
   * delimiter listing finds the queue even on stores that only report common prefixes whose objects lie directly
   * below them (s3rver). Costs one PUT per queue handle.
   */
  private markFolder(): Promise<void> {
    this.folderMarked ??= this.backend.store
      .putJson(joinKey(this.layout.prefix, QUEUE_MARKER), JSON.stringify({ queue: this.name }), 0, false)
      .then(
        () => {},
        (error: unknown) => {
          this.folderMarked = null;
          throw error;
        },
      );
    return this.folderMarked;
  }

  async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    if (n === 0) return [];
    const conditional = await this.backend.conditionalWrites();
    return this.claims.run(() => takeWaiting(this.scope, n, conditional));
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    return n === 0 ? [] : peekWaiting(this.scope, n);
  }

  private async finish(id: ItemId, action: "success" | "fail"): Promise<void> {
    assertItemId(id);
    const outcome = await moveOne(this.scope, id, "PROCESSING", action === "success" ? "SUCCESS" : "FAIL");
    if (outcome.moved) return;
    if (outcome.skipped.reason === "NOT_FOUND") throw new ItemNotFound(id);
    throw new InvalidTransition(id, action, outcome.skipped.stage ?? "another stage");
  }

  async success(id: ItemId): Promise<void> {
    await this.finish(id, "success");
  }

  async fail(id: ItemId): Promise<void> {
    await this.finish(id, "fail");
  }

  async successMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return moveMany(this.scope, ids, "PROCESSING", "SUCCESS");
  }

  async failMany(ids: readonly ItemId[]): Promise<MoveResult> {
    return moveMany(this.scope, ids, "PROCESSING", "FAIL");
  }

  async requeue(ids: ItemId | readonly ItemId[]): Promise<RequeueResult> {
    const list = typeof ids === "string" ? [ids] : ids;
    const { moved, skipped } = await moveMany(this.scope, list, "FAIL", "WAITING");
    return { requeued: moved, skipped };
  }

  async sizes(): Promise<StageSizes> {
    return countByStage(this.scope);
  }

  async size(stage: QueueItemStage): Promise<number> {
    const name = stageName(parseStage(stage));
    return (await this.sizes())[name];
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    assertItemId(id);
    const at = await locate(this.scope, id);
    if (at === null) throw new ItemNotFound(id);
    return QueueItemStage[at.stage];
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    assertItemId(id);
    return findItem(this.scope, id);
  }

  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    const name = stageName(parseStage(stage));
    return idsInStage(this.scope, name, normalizePage(page));
  }

  async description(): Promise<QueueDescription> {
    const { conditionalWrites, conditionalDeletes } = await this.backend.capabilities();
    return {
      // The Python task-queue's class and argument names, so that clients reading describe keep working.
      implementation: "JsonS3Queue",
      arguments: {
        s3_base_path: `s3://${this.backend.location.bucket}/${this.layout.prefix}`,
        ...this.backend.describe(),
        queue_name: this.name,
        prefix: this.layout.prefix,
        conditional_writes: conditionalWrites,
        conditional_deletes: conditionalDeletes,
        consumers: conditionalWrites
          ? "many processes may call get at once (claims use If-None-Match: *)"
          : "the store ignores conditional writes: only one consumer process is safe",
        moves: conditionalDeletes
          ? "a move deletes its source only if it is still the object copied (DELETE with If-Match)"
          : "the store ignores conditional deletes: a move re-reads its source just before deleting it, so a newer state another process writes in that round trip can be lost",
      },
    };
  }

  async close(): Promise<void> {
    if (this.ownsBackend) await this.backend.close();
  }
}
