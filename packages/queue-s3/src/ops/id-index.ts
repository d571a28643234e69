import { STAGE_NAMES } from "@task-queue/queue-core";
import type { S3QueueScope } from "./scope.js";

/**
 * Id markers: an empty object `<prefix>/.tq-ids/<key>` per item put (and not deleted since), created with
 * If-None-Match: *. On a store that enforces it, a put that creates the marker knows no stage holds the id, so a new
 * item costs that PUT and the conditional PUT of WAITING: 2 requests, where looking in PROCESSING, SUCCESS and FAIL
 * took 3 HEADs more. That holds only when every item of the queue has its marker, which `complete` finds out:
 * the queue is marked so (`.tq-ids/.complete`) when a handle first sees all four stages empty, and items are put
 * with markers from then on. A queue that already held items when it met this version (the layout of the system we
 * replace, or items put before markers) keeps looking with HEADs, and writes no markers.
 *
 * A marker that is there is only a hint: when the marker PUT is refused, put looks in the four stages, and an id it
 * finds nowhere (a put that crashed between its two writes, an item a bucket lifecycle rule removed) is written
 * after all. delete removes the marker after the item. Processes of an older version putting into a complete queue
 * write items without markers: the same id put again by this version, while that item is in PROCESSING, SUCCESS or
 * FAIL, would be added a second time (in WAITING it is refused by If-None-Match as always). Upgrade every
 * producer together.
 */
export class IdIndex {
  /** Known complete (stays so); false: look again at the next put. */
  private known = false;
  /** Whether this handle has checked the stages once already (after that only the flag is read). */
  private checkedStages = false;

  constructor(private readonly scope: S3QueueScope) {}

  /**
   * Whether every item has its marker. When not known yet: 1 HEAD of the flag per put batch, and the first time per
   * handle one LIST (1 key) per stage; an empty queue is marked complete (a conditional PUT).
   */
  async complete(): Promise<boolean> {
    if (this.known) return true;
    const { store, layout } = this.scope;
    const flag = layout.markersCompleteKey();
    if ((await store.head(flag)) !== null) return this.remember();
    if (this.checkedStages) return false;
    this.checkedStages = true;
    const firstKeys = await Promise.all(
      STAGE_NAMES.map((stage) => store.listPage(layout.stagePrefix(stage), undefined, 1)),
    );
    if (firstKeys.some((page) => page.keys.length > 0)) return false;
    // Refused: another handle marked it first, which is as good.
    await store.putIf(flag, "{}", { ifNoneMatch: "*" });
    return this.remember();
  }

  private remember(): true {
    this.known = true;
    return true;
  }
}
