import { assertQueueName, InvalidArgument, STAGE_NAMES } from "@task-queue/queue-core";

/** Stage names a queue name may not take: the default queue's stage folders live beside the named queues. */
const RESERVED_NAMES = new Set<string>(STAGE_NAMES);

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
