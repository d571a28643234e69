import { ServerMetrics } from "@task-queue/metrics";
import { observeNamespace } from "@task-queue/queue-core";
import type { RunContext } from "../cli.js";
import { startHttpServer } from "../http-server.js";
import { stopSignal } from "../signals.js";
import { openQueues } from "../wiring/queues.js";
import { startCallbackDelivery } from "./callback-delivery.js";
import { startRescueSweep } from "./rescue-sweep.js";
import { withResources } from "./resources.js";

/** `task-queue server`: the API over the configured backend until SIGTERM/SIGINT, then finish requests in flight. */
export async function runServer({ config, logger }: RunContext): Promise<number> {
  const { settings } = config;
  await withResources(async (resources) => {
    const stop = resources.add(stopSignal(), (signal) => signal.remove());
    const queues = resources.add(await openQueues(settings, logger), (opened) => opened.close());
    const metrics = new ServerMetrics(queues, settings.sql_queue_name);
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
    const signal = await stop.stopped;
    await server.drain();
    logger.info({ signal }, "stopping: finishing requests in flight");
  });
  logger.info({}, "stopped");
  return 0;
}
