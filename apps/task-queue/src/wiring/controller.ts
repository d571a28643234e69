import { hostname } from "node:os";
import { Controller, ServiceLoop, WorkQueue } from "@task-queue/controller";
import { ControllerMetrics, QueueMetrics } from "@task-queue/metrics";
import {
  canTrimHistory,
  type LeaderElection,
  type Logger,
  observeQueue,
  type Queue,
  type QueueWorker,
  traceQueue,
} from "@task-queue/queue-core";
import type { Settings } from "../config/schema.js";
import type { PinoLogger } from "../logging.js";
import { createStrategy } from "./strategy.js";

/** A controller and its worker serve one queue: every line they write carries its name. */
export function queueLogger(logger: PinoLogger, settings: Settings): PinoLogger {
  return logger.child({ queue: settings.sql_queue_name });
}

/** The metrics of a controller process: its one queue's gauges. */
export function controllerQueueMetrics(queue: Queue, settings: Settings): QueueMetrics {
  return new QueueMetrics({ queues: async () => [[settings.sql_queue_name, queue]] });
}

/**
 * The service loop over one queue and worker, as configured; it ticks only while `election` says this process
 * leads. The queue's moves and each tick are counted in `metrics`. The caller runs it and owns signals.
 */
export function createServiceLoop(
  queue: Queue,
  worker: QueueWorker,
  election: LeaderElection,
  settings: Settings,
  logger: Logger,
  metrics: QueueMetrics,
): ServiceLoop {
  const name = settings.sql_queue_name;
  const workQueue = new WorkQueue(traceQueue(observeQueue(queue, name, metrics), name), worker, {
    gracePeriodMs: settings.grace_period_seconds * 1000,
    logger,
  });
  const strategy = createStrategy(settings);
  logger.info({ strategy: strategy.description, election: election.description }, "release strategy");
  const retention = {
    successSeconds: settings.retention_success_seconds ?? null,
    failSeconds: settings.retention_fail_seconds ?? null,
    eventsSeconds: settings.retention_events_seconds ?? null,
  };
  if (retention.eventsSeconds !== null && !canTrimHistory(queue)) {
    logger.warn(
      {},
      "RETENTION_EVENTS_SECONDS is set but this queue records no history (WITH_QUEUE_EVENTS): ignored",
    );
  }
  const controller = new Controller({
    workQueue,
    strategy,
    logger,
    // host/pid tells people which process leads; the election's description could name a database host.
    status: { identity: `${hostname()}/${process.pid}`, periodSeconds: settings.periodic_seconds },
    ...(Object.values(retention).some((age) => age !== null) ? { retention } : {}),
  });
  const tickMetrics: ControllerMetrics = new ControllerMetrics(metrics, {
    queue: settings.sql_queue_name,
    leading: (): boolean => loop.leading,
  });
  const loop: ServiceLoop = new ServiceLoop({
    periodMs: settings.periodic_seconds * 1000,
    tick: (o) => tickMetrics.timeTick(() => controller.tick(o)),
    election,
    logger,
  });
  return loop;
}
