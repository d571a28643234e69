import {
  allIdsInStage,
  InvalidArgument,
  type ItemId,
  isQueueError,
  type JsonValue,
  type Queue,
  QueueItemStage,
} from "@task-queue/queue-core";
import { addAmounts, fitsWithin, type ResourceAmounts, resourceRequest } from "../resources.js";
import type { ReleaseStrategy } from "../strategy.js";

export interface ResourceLimitOptions {
  /** How many WAITING items one tick looks at (default 1000). */
  window?: number;
}

/**
 * Releases WAITING items in order while the sum of `body[resourceKey]` over PROCESSING items stays within every
 * limit. The line stops at the first item that does not fit now (so big items are not starved by small ones);
 * an item that could never fit, even alone, is counted for release and turned away by rejectReason, so it goes to
 * FAIL with the reason logged instead of blocking the queue forever.
 */
export class ResourceLimit implements ReleaseStrategy {
  readonly description: string;
  private readonly limited: string[];
  private readonly window: number;
  /** Requests of PROCESSING items: bodies never change, so each is read once while the item stays there. */
  private readonly processing = new Map<ItemId, ResourceAmounts>();

  constructor(
    readonly limits: ResourceAmounts,
    readonly resourceKey = "resources",
    options: ResourceLimitOptions = {},
  ) {
    for (const [name, value] of Object.entries(limits))
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
        throw new InvalidArgument(`limits.${name}`, `must be a number ≥ 0, got ${value}`);
    this.limited = Object.keys(limits);
    this.window = options.window ?? 1000;
    this.description = `ResourceLimit(${JSON.stringify(limits)}, ${resourceKey})`;
  }

  rejectReason(_id: ItemId, body: JsonValue): string | null {
    const request = resourceRequest(body, this.resourceKey, this.limited);
    if (!request.ok) return request.problem;
    const over = Object.entries(request.amounts).filter(([name, value]) => value > this.limits[name]!);
    if (over.length === 0) return null;
    return `needs ${over.map(([name, value]) => `${name}=${value} (limit ${this.limits[name]})`).join(", ")}`;
  }

  /** Resources held now by PROCESSING items. */
  async inUse(queue: Queue): Promise<ResourceAmounts> {
    const ids = new Set(await allIdsInStage(queue, QueueItemStage.PROCESSING));
    for (const id of this.processing.keys()) if (!ids.has(id)) this.processing.delete(id);
    const used: ResourceAmounts = {};
    for (const id of ids) {
      let amounts = this.processing.get(id);
      if (amounts === undefined) {
        try {
          const request = resourceRequest(
            (await queue.lookupItem(id)).itemBody,
            this.resourceKey,
            this.limited,
          );
          amounts = request.ok ? request.amounts : {};
        } catch (error) {
          if (isQueueError(error, "ITEM_NOT_FOUND")) continue;
          throw error;
        }
        this.processing.set(id, amounts);
      }
      addAmounts(used, amounts);
    }
    return used;
  }

  async releaseCount(queue: Queue): Promise<number> {
    const used = await this.inUse(queue);
    let count = 0;
    for (const [id, body] of await queue.peek(this.window)) {
      if (this.rejectReason(id, body) !== null) {
        count++;
        continue;
      }
      const request = resourceRequest(body, this.resourceKey, this.limited);
      const amounts = request.ok ? request.amounts : {};
      if (!fitsWithin(used, amounts, this.limits)) break;
      addAmounts(used, amounts);
      count++;
    }
    return count;
  }
}
