import { ServerMetrics } from "@task-queue/metrics";
import type { RunContext } from "../cli.js";
import { stopSignal } from "../signals.js";
import { openQueues } from "../wiring/queues.js";
import { startApiServices } from "./api-services.js";
import { withResources } from "./resources.js";

/** `task-queue server`: the API over the configured backend until SIGTERM/SIGINT, then finish requests in flight. */
export async function runServer({ config, logger }: RunContext): Promise<number> {
  const { settings } = config;
  await withResources(async (resources) => {
    const stop = resources.add(stopSignal(), (signal) => signal.remove());
    const queues = resources.add(await openQueues(settings, logger), (opened) => opened.close());
    const metrics = new ServerMetrics(queues, settings.sql_queue_name);
    const server = await startApiServices(resources, queues, settings, logger, metrics);
    const signal = await stop.stopped;
    await server.drain();
    logger.info({ signal }, "stopping: finishing requests in flight");
  });
  logger.info({}, "stopped");
  return 0;
}
