import type { QueueCapabilities } from "@task-queue/queue-core/testing";

/** What S3Queue declares to the conformance suite, on every store: it lists by key, so no FIFO, priority or delay. */
export const S3_CAPABILITIES: QueueCapabilities = {
  strictFifo: false,
  priority: false,
  delay: false,
  pause: true,
  controllerStatus: true,
  stats: true,
  leaseRaces: true,
  rescueReports: true,
};
