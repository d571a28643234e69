import type { RunContext } from "../cli.js";
import { startMetricsServer } from "../metrics-server.js";
import { onSignals, stopSignal } from "../signals.js";
import { controllerQueueMetrics, createServiceLoop, queueLogger } from "../wiring/controller.js";
import { createLeaderElection } from "../wiring/election.js";
import { openQueues } from "../wiring/queues.js";
import { createWorker } from "../wiring/worker.js";
import { withResources } from "./resources.js";

/** `task-queue controller`: the service loop (or one tick with --once); signals stop, pause and resume it. */
export async function runController({ config, logger, options }: RunContext): Promise<number> {
  const { settings } = config;
  const bound = queueLogger(logger, settings);
  // The worker first: its settings are checked before a pool is opened.
  await withResources(async (resources) => {
    const worker = resources.add(createWorker(settings, bound), (created) => created.close?.());
    const queues = resources.add(await openQueues(settings, logger), (opened) => opened.close());
    const election = createLeaderElection(settings, queues, logger);
    const queue = queues.queue(settings.sql_queue_name);
    const metrics = controllerQueueMetrics(queue, settings);
    const loop = createServiceLoop(queue, worker, election, settings, bound, metrics);
    if (options.once) {
      await loop.runOnce();
      return;
    }
    if (settings.metrics_port !== undefined) {
      const listen = { host: settings.metrics_host, port: settings.metrics_port };
      const server = resources.add(
        await startMetricsServer(metrics, listen, () => !loop.stopped, logger),
        (running) => running.close(),
      );
      logger.info({ url: `${server.url}/metrics` }, "controller metrics listening");
    }
    resources.add(onSignals({ SIGUSR2: () => loop.pause(), SIGCONT: () => loop.resume() }), (remove) =>
      remove(),
    );
    const stop = resources.add(stopSignal(), (signal) => signal.remove());
    void stop.stopped.then((signal) => {
      logger.info({ signal }, "stopping after the current tick");
      void loop.stop();
    });
    await loop.run();
  });
  logger.info({}, "controller stopped");
  return 0;
}
