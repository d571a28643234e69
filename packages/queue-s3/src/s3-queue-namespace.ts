import {
  assertQueueName,
  type QueueNamespace,
  type QueueObserver,
  type ReportsRescues,
  STAGE_NAMES,
} from "@task-queue/queue-core";
import type { S3ConnectionOptions } from "./options.js";
import { assertS3QueueName } from "./queue-name.js";
import { S3Backend } from "./s3-backend.js";
import { joinKey } from "./s3-path.js";
import { S3Queue } from "./s3-queue.js";

export interface S3QueueNamespaceOptions extends S3ConnectionOptions {
  /**
   * The name under which the queue right at the base path is served (default "default"): its items sit at
   * `<prefix>/WAITING/…`, the layout of the system this replaces. Every other name is a sub-prefix.
   */
  defaultQueueName?: string;
}

/**
 * Named queues under one base path, sharing one client and request limit: `<prefix>/<name>/<STAGE>/…`, and the
 * default queue at `<prefix>/<STAGE>/…`. Handles are cached, so one process has one claim lock per queue.
 */
export class S3QueueNamespace implements QueueNamespace, ReportsRescues {
  readonly defaultQueueName: string;
  private readonly backend: S3Backend;
  private readonly queues = new Map<string, S3Queue>();

  constructor(private readonly options: S3QueueNamespaceOptions) {
    this.defaultQueueName = options.defaultQueueName ?? "default";
    assertQueueName(this.defaultQueueName);
    this.backend = new S3Backend(options);
  }

  observeRescues(observer: QueueObserver): void {
    this.backend.rescueObservers.add(observer);
  }

  queue(name: string): S3Queue {
    let queue = this.queues.get(name);
    if (queue) return queue;
    const prefix = this.backend.location.prefix;
    if (name === this.defaultQueueName) {
      queue = new S3Queue({ ...this.options, queueName: name }, this.backend, prefix);
    } else {
      assertS3QueueName(name);
      queue = new S3Queue({ ...this.options, queueName: name }, this.backend, joinKey(prefix, name));
    }
    this.queues.set(name, queue);
    return queue;
  }

  /** Queues holding at least one object: one delimiter listing of the base prefix. */
  async listQueues(): Promise<string[]> {
    const base = this.backend.location.prefix;
    const folders = await this.backend.store.listFolders(base === "" ? "" : `${base}/`);
    const names = new Set<string>();
    for (const folder of folders) {
      if ((STAGE_NAMES as readonly string[]).includes(folder)) names.add(this.defaultQueueName);
      else if (isQueueName(folder)) names.add(folder);
    }
    return [...names].sort();
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

function isQueueName(name: string): boolean {
  try {
    assertS3QueueName(name);
    return true;
  } catch {
    return false;
  }
}
