import type { ServerMetrics } from "@task-queue/metrics";
import { type Logger, observeNamespace, type QueueNamespace } from "@task-queue/queue-core";
import type { Settings } from "../config/schema.js";
import { type RunningServer, startHttpServer } from "../http-server.js";
import { startCallbackDelivery } from "./callback-delivery.js";
import { startRescueSweep } from "./rescue-sweep.js";
import type { Resources } from "./resources.js";

/**
 * What `server` and `dev` both run over their queues: the HTTP API, the sweep that rescues expired leases (so sizes
 * stay truthful between gets) and callback delivery, each closed with `resources`.
 */
export async function startApiServices(
  resources: Resources,
  queues: QueueNamespace,
  settings: Settings,
  logger: Logger,
  metrics: ServerMetrics,
): Promise<RunningServer> {
  const server = resources.add(await startHttpServer(queues, settings, logger, metrics), (running) =>
    running.close(),
  );
  logger.info({ url: server.url, docs: `${server.url}/docs` }, "API server listening");
  resources.add(
    startRescueSweep(
      observeNamespace(queues, metrics),
      settings.sql_queue_name,
      settings.rescue_interval_seconds,
      logger,
    ),
    (sweep) => sweep.stop(),
  );
  resources.add(startCallbackDelivery(queues, settings, logger), (delivery) => delivery.stop());
  return server;
}
