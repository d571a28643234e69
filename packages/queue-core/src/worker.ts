import type { JsonValue } from "./json.js";
import type { ItemId } from "./queue.js";
import type { QueueItemStage } from "./stage.js";

/**
 * Turns queue items into running jobs (Argo workflows, local processes) and reports their state.
 * pollAllStatus reports every job the worker knows, as PROCESSING, SUCCESS or FAIL; when an item has run
 * several times, the newest job's state wins.
 */
export interface QueueWorker {
  sendJob(id: ItemId, body: JsonValue): Promise<void>;
  pollAllStatus(): Promise<Map<ItemId, QueueItemStage>>;
  /** Forgets a finished job (collecting its logs first where the worker can); a job already gone is not an error. */
  deleteJob(id: ItemId): Promise<void>;
  /**
   * Why a job the last pollAllStatus reported as FAIL failed, where the worker can tell (a process's exit code and
   * the last lines of its stderr; an Argo workflow's message); undefined when it cannot. The controller stores it as
   * the item's last_error. Optional.
   */
  lastError?(id: ItemId): string | undefined;
  /** Stops what the worker runs on its own (timers, child processes). Optional. */
  close?(): Promise<void>;
}
