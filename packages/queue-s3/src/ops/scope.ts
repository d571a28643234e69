import type { Logger } from "@task-queue/queue-core";
import type { StoreCapabilities } from "../conditional-writes.js";
import type { QueueLayout } from "../layout.js";
import type { S3Store } from "../s3-store.js";

/** What every operation of one S3Queue runs on: its store, where its objects live, its name and its logger. */
export interface S3QueueScope {
  store: S3Store;
  layout: QueueLayout;
  /** The queue's name, for log records. */
  name: string;
  logger: Logger;
  /** Which conditions the store enforces (probed once per backend). */
  capabilities(): Promise<StoreCapabilities>;
  /** max_attempts of items put without their own, and of objects from before the lifecycle. */
  maxAttempts: number;
  /** Tells gets of this queue object that wait for work that an item (re-)entered WAITING. */
  wake(): void;
}
