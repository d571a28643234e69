import { Controller, ServiceLoop, WorkQueue } from "@task-queue/controller";
import type { LeaderElection, Logger, Queue, QueueWorker } from "@task-queue/queue-core";
import type { Settings } from "../config/schema.js";
import { createStrategy } from "./strategy.js";

/**
 * The service loop over one queue and worker, as configured; it ticks only while `election` says this process
 * leads. The caller runs it and owns signals.
 */
export function createServiceLoop(
  queue: Queue,
  worker: QueueWorker,
  election: LeaderElection,
  settings: Settings,
  logger: Logger,
): ServiceLoop {
  const workQueue = new WorkQueue(queue, worker, {
    gracePeriodMs: settings.grace_period_seconds * 1000,
    logger,
  });
  const strategy = createStrategy(settings);
  logger.info({ strategy: strategy.description, election: election.description }, "release strategy");
  const retention = {
    successSeconds: settings.retention_success_seconds ?? null,
    failSeconds: settings.retention_fail_seconds ?? null,
  };
  const controller = new Controller({
    workQueue,
    strategy,
    logger,
    ...(retention.successSeconds !== null || retention.failSeconds !== null ? { retention } : {}),
  });
  return new ServiceLoop({
    periodMs: settings.periodic_seconds * 1000,
    tick: (o) => controller.tick(o),
    election,
    logger,
  });
}
