import {
  assertCount,
  assertItemId,
  assertQueueName,
  InvalidArgument,
  InvalidTransition,
  type ItemId,
  ItemNotFound,
  idList,
  itemIdProblem,
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
  type SkippedItem,
  STAGE_NAMES,
  type StageName,
  type StageSizes,
  type StatePage,
  stageName,
  type ValidItem,
  validatePutBatch,
} from "@task-queue/queue-core";
import { encodeId } from "./key-codec.js";
import { MAX_KEY_BYTES, QueueLayout } from "./layout.js";
import { Limiter } from "./limiter.js";
import type { S3QueueOptions } from "./options.js";
import { type StageCopy, winningCopy } from "./resolve-copies.js";
import { S3Backend } from "./s3-backend.js";
import { joinKey } from "./s3-path.js";
import { LIST_PAGE, listStage, mergeStages } from "./stage-listing.js";

type MoveOutcome = { moved: true } | { moved: false; skipped: SkippedItem };

/** The object marking a named queue's folder; its name can never be a queue or stage name. */
const QUEUE_MARKER = ".task-queue.json";

/** How many times a lookup re-reads an item that moved while it was being repaired. */
const LOCATE_ATTEMPTS = 3;

/** Stage names a queue name may not take: the default queue's stage folders live beside the named queues. */
const RESERVED_NAMES = new Set<string>(STAGE_NAMES);

/**
 * A queue of JSON objects in an S3 bucket: `<prefix>/<STAGE>/<encoded id>.json`. Moves copy, then delete; get
 * claims an item by writing it to PROCESSING with If-None-Match: * where the store enforces it, and serialises
 * claims within this process always. An item left in two stages by an interrupted move counts in one of them
 * (see resolve-copies.ts), and the next operation that sees both deletes the stale copy.
 */
export class S3Queue implements Queue {
  readonly name: string;
  private readonly layout: QueueLayout;
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
    this.folderMarked = this.layout.prefix === backend.location.prefix ? Promise.resolve() : null;
    if (this.layout.maxKeyBytes() > MAX_KEY_BYTES) {
      throw new InvalidArgument(
        "basePath",
        `prefix ${JSON.stringify(this.layout.prefix)} is too long: with a 512-byte id a key would pass S3's ${MAX_KEY_BYTES}-byte limit`,
      );
    }
  }

  private get store() {
    return this.backend.store;
  }

  private key(stage: StageName, id: ItemId): string {
    return this.layout.key(stage, id);
  }

  // ---- finding an item, and repairing an interrupted move ----

  /** The copies of an item in the given stages (one HEAD per stage, in parallel). */
  private async copiesIn(id: ItemId, stages: readonly StageName[]): Promise<StageCopy[]> {
    const found = await Promise.all(
      stages.map(async (stage) => {
        const object = await this.store.head(this.key(stage, id));
        return object === null ? null : { stage, seq: object.seq };
      }),
    );
    return found.filter((copy): copy is StageCopy => copy !== null);
  }

  /** The stage an item is in, deleting stale copies found on the way. */
  private async locate(id: ItemId, attempt = 1): Promise<StageCopy | null> {
    const copies = await this.copiesIn(id, STAGE_NAMES);
    if (copies.length <= 1) return copies[0] ?? null;
    const winner = winningCopy(copies);
    // A move in flight may have taken the winner on meanwhile; delete only what is surely stale.
    if ((await this.store.head(this.key(winner.stage, id))) === null) {
      return attempt < LOCATE_ATTEMPTS ? this.locate(id, attempt + 1) : winner;
    }
    const stale = copies.filter((copy) => copy !== winner).map((copy) => copy.stage);
    this.backend.logger.warn(
      { queue: this.name, id, stage: winner.stage, stale },
      "S3Queue: item found in several stages (an interrupted move, or a claim that lost a race); deleting the stale copies",
    );
    await Promise.all(stale.map((stage) => this.store.delete(this.key(stage, id))));
    return winner;
  }

  /** The winning stage of an id a listing found in several stages. */
  private async stageOfDuplicate(id: ItemId): Promise<StageName | null> {
    return (await this.locate(id))?.stage ?? null;
  }

  // ---- put ----

  async put(items: Record<ItemId, JsonValue>): Promise<PutResult> {
    const valid = validatePutBatch(items);
    if (valid.length === 0) return { added: [], skipped: [] };
    const conditional = await this.backend.conditionalWrites();
    await this.markFolder();
    const added = await Promise.all(valid.map((item) => this.putOne(item, conditional)));
    const result: PutResult = { added: [], skipped: [] };
    for (const [i, item] of valid.entries()) (added[i] ? result.added : result.skipped).push(item.id);
    return result;
  }

  /**
   * Writes `<prefix>/<name>/.task-queue.json` once, beside the stage folders, so that the namespace's one-level
   * delimiter listing finds the queue even on stores that only report common prefixes whose objects lie directly
   * below them (s3rver). Costs one PUT per queue handle.
   */
  private markFolder(): Promise<void> {
    this.folderMarked ??= this.store
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

  /** Writes one item to WAITING unless some stage holds it. Where If-None-Match works, it checks WAITING itself. */
  private async putOne(item: ValidItem, conditional: boolean): Promise<boolean> {
    const stagesToCheck = conditional ? STAGE_NAMES.filter((stage) => stage !== "WAITING") : STAGE_NAMES;
    const present = await Promise.all(
      stagesToCheck.map((stage) => this.store.head(this.key(stage, item.id))),
    );
    if (present.some((object) => object !== null)) return false;
    return (await this.store.putJson(this.key("WAITING", item.id), item.json, 0, conditional)) === "written";
  }

  // ---- get and peek ----

  async get(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    if (n === 0) return [];
    const conditional = await this.backend.conditionalWrites();
    return this.claims.run(async () => {
      const out: Array<[ItemId, JsonValue]> = [];
      let after: string | null = null;
      while (out.length < n) {
        const wanted = n - out.length;
        const page = await this.store.listPage(
          this.layout.stagePrefix("WAITING"),
          after === null ? undefined : after,
          Math.min(LIST_PAGE, wanted),
        );
        if (page.keys.length === 0) break;
        after = page.keys[page.keys.length - 1]!;
        const claimed = await Promise.all(page.keys.map((key) => this.claim(key, conditional)));
        for (const item of claimed) if (item !== null) out.push(item);
        if (!page.truncated) break;
      }
      return out;
    });
  }

  /**
   * WAITING → PROCESSING for one key: read it, write the PROCESSING copy (the claim; If-None-Match: * makes two
   * consumers' claims exclusive), check that no one claimed and finished it meanwhile (where conditional), then
   * delete the WAITING copy. Null when someone else had it first.
   */
  private async claim(waitingKey: string, conditional: boolean): Promise<[ItemId, JsonValue] | null> {
    const id = this.layout.idOf("WAITING", waitingKey);
    if (id === null) return null;
    const source = await this.store.getJson(waitingKey);
    if (source === null) return null;
    const outcome = await this.store.putJson(
      this.key("PROCESSING", id),
      source.text,
      source.seq + 1,
      conditional,
    );
    if (outcome === "exists") {
      // Another consumer claimed it, or a get crashed before its delete: either way PROCESSING wins; tidy up.
      await this.locate(id);
      return null;
    }
    if (conditional && (await this.movedOnSince(id, source.seq + 1))) {
      // Our read of WAITING was stale (see movedOnSince): the PROCESSING copy we just wrote is a second claim.
      await this.store.delete(this.key("PROCESSING", id));
      return null;
    }
    await this.store.delete(waitingKey);
    return [id, source.body];
  }

  /**
   * Whether SUCCESS or FAIL already holds the item at claim count `seq` or later. If-None-Match: * on PROCESSING
   * excludes a second claim only while the first claim's copy is still in PROCESSING. When another process claimed
   * the item between our GET of WAITING and our PUT, and then moved it on (success/fail copy it out of PROCESSING,
   * then delete it), PROCESSING is free again and our PUT succeeds: without this check the item was handed out
   * twice. That move copied the item, with the count our stale read also gives (source seq + 1), to SUCCESS or FAIL
   * before it deleted PROCESSING, so the copy is there when our PUT succeeds. Copies left from earlier rounds have
   * lower counts. Only stores that enforce conditional writes need it: on the others one process claims at a time.
   */
  private async movedOnSince(id: ItemId, seq: number): Promise<boolean> {
    return (await this.copiesIn(id, ["SUCCESS", "FAIL"])).some((copy) => copy.seq >= seq);
  }

  async peek(n: number): Promise<Array<[ItemId, JsonValue]>> {
    assertCount(n);
    const out: Array<[ItemId, JsonValue]> = [];
    if (n === 0) return out;
    let after: string | null = null;
    while (out.length < n) {
      const batch: Array<{ id: ItemId; key: string }> = [];
      let exhausted = true;
      for await (const item of listStage(this.store, this.layout, "WAITING", after, Math.min(LIST_PAGE, n))) {
        batch.push(item);
        after = item.suffix;
        if (batch.length >= n - out.length) {
          exhausted = false;
          break;
        }
      }
      const bodies = await Promise.all(batch.map((item) => this.store.getJson(item.key)));
      batch.forEach((item, i) => {
        const body = bodies[i];
        if (body) out.push([item.id, body.body]);
      });
      if (exhausted) break;
    }
    return out;
  }

  // ---- moves ----

  private async moveOne(id: ItemId, from: StageName, to: StageName): Promise<MoveOutcome> {
    const at = await this.locate(id);
    if (at === null) return { moved: false, skipped: { id, reason: "NOT_FOUND" } };
    if (at.stage !== from) return { moved: false, skipped: { id, reason: "WRONG_STAGE", stage: at.stage } };
    if (!(await this.store.copy(this.key(from, id), this.key(to, id)))) {
      // It moved away between the lookup and the copy: report where it went.
      const now = await this.locate(id);
      return now === null
        ? { moved: false, skipped: { id, reason: "NOT_FOUND" } }
        : { moved: false, skipped: { id, reason: "WRONG_STAGE", stage: now.stage } };
    }
    await this.store.delete(this.key(from, id));
    return { moved: true };
  }

  private async finish(id: ItemId, action: "success" | "fail"): Promise<void> {
    assertItemId(id);
    const outcome = await this.moveOne(id, "PROCESSING", action === "success" ? "SUCCESS" : "FAIL");
    if (outcome.moved) return;
    if (outcome.skipped.reason === "NOT_FOUND") throw new ItemNotFound(id);
    throw new InvalidTransition(id, action, outcome.skipped.stage ?? "another stage");
  }

  private async moveMany(ids: readonly ItemId[], from: StageName, to: StageName): Promise<MoveResult> {
    const list = idList(ids);
    const outcomes = await Promise.all(list.map((id) => this.moveOne(id, from, to)));
    const result: MoveResult = { moved: [], skipped: [] };
    outcomes.forEach((outcome, i) => {
      if (outcome.moved) result.moved.push(list[i]!);
      else result.skipped.push(outcome.skipped);
    });
    return result;
  }

  async success(id: ItemId): Promise<void> {
    await this.finish(id, "success");
  }

  async fail(id: ItemId): Promise<void> {
    await this.finish(id, "fail");
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

  // ---- sizes and lookups ----

  async sizes(): Promise<StageSizes> {
    const sizes: StageSizes = { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };
    for await (const item of mergeStages(this.store, this.layout, STAGE_NAMES)) {
      const stage = item.stages.length === 1 ? item.stages[0]! : await this.stageOfDuplicate(item.id);
      if (stage !== null) sizes[stage]++;
    }
    return sizes;
  }

  async size(stage: QueueItemStage): Promise<number> {
    const name = stageName(parseStage(stage));
    return (await this.sizes())[name];
  }

  async lookupStatus(id: ItemId): Promise<QueueItemStage> {
    assertItemId(id);
    const at = await this.locate(id);
    if (at === null) throw new ItemNotFound(id);
    return QueueItemStage[at.stage];
  }

  async lookupItem(id: ItemId): Promise<QueueItem> {
    assertItemId(id);
    for (let attempt = 0; attempt < LOCATE_ATTEMPTS; attempt++) {
      const at = await this.locate(id);
      if (at === null) break;
      const object = await this.store.getJson(this.key(at.stage, id));
      // Null: it moved between the two reads; look again.
      if (object !== null) return { itemId: id, status: QueueItemStage[at.stage], itemBody: object.body };
    }
    throw new ItemNotFound(id);
  }

  /**
   * Ids of one stage in key order. Pages walk every stage over the page's key range, so that an item left in two
   * stages by an interrupted move is listed once, in its winning stage.
   */
  async lookupState(stage: QueueItemStage, page?: PageRequest): Promise<StatePage> {
    const name = stageName(parseStage(stage));
    const request = normalizePage(page);
    let after: string | null = null;
    if (request?.cursor != null) {
      const problem = itemIdProblem(request.cursor);
      if (problem !== null) throw new InvalidArgument("cursor", `not a cursor this queue gave: ${problem}`);
      after = encodeId(request.cursor);
    }
    const ids: ItemId[] = [];
    for await (const item of mergeStages(this.store, this.layout, STAGE_NAMES, after)) {
      if (!item.stages.includes(name)) continue;
      const winner = item.stages.length === 1 ? name : await this.stageOfDuplicate(item.id);
      if (winner !== name) continue;
      if (request !== null && ids.length === request.limit) {
        return { ids, nextCursor: ids[ids.length - 1]! };
      }
      ids.push(item.id);
    }
    return { ids, nextCursor: null };
  }

  async description(): Promise<QueueDescription> {
    const conditional = await this.backend.conditionalWrites();
    return {
      implementation: "S3Queue",
      arguments: {
        ...this.backend.describe(),
        queue_name: this.name,
        prefix: this.layout.prefix,
        conditional_writes: conditional,
        consumers: conditional
          ? "many processes may call get at once (claims use If-None-Match: *)"
          : "the store ignores conditional writes: only one consumer process is safe",
      },
    };
  }

  async close(): Promise<void> {
    if (this.ownsBackend) await this.backend.close();
  }
}

/** Queue names as the core allows them, minus the default queue's stage folder names. */
export function assertS3QueueName(name: string): void {
  assertQueueName(name);
  if (RESERVED_NAMES.has(name)) {
    throw new InvalidArgument(
      "queue_name",
      `${JSON.stringify(name)} is a stage folder name and cannot name an S3 queue`,
    );
  }
}
