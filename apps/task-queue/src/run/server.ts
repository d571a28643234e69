import type { RunContext } from "../cli.js";
import { startHttpServer } from "../http-server.js";
import { untilStopSignal } from "../signals.js";
import { openQueues } from "../wiring/queues.js";
import { startRescueSweep } from "./rescue-sweep.js";

/** `task-queue server`: the API over the configured backend until SIGTERM/SIGINT, then finish requests in flight. */
export async function runServer({ config, logger }: RunContext): Promise<number> {
  const { settings } = config;
  const stopped = untilStopSignal();
  const queues = await openQueues(settings, logger);
  const server = await startHttpServer(queues, settings, logger);
  logger.info({ url: server.url, docs: `${server.url}/docs` }, "API server listening");
  const sweep = startRescueSweep(queues, settings.sql_queue_name, settings.rescue_interval_seconds, logger);
  const signal = await stopped;
  logger.info({ signal }, "stopping: finishing requests in flight");
  await sweep.stop();
  await server.close();
  await queues.close();
  logger.info({}, "stopped");
  return 0;
}
