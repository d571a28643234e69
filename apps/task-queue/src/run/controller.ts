import type { RunContext } from "../cli.js";
import { onSignals, untilStopSignal } from "../signals.js";
import { createServiceLoop } from "../wiring/controller.js";
import { openQueues } from "../wiring/queues.js";
import { createWorker } from "../wiring/worker.js";

/** `task-queue controller`: the service loop (or one tick with --once); signals stop, pause and resume it. */
export async function runController({ config, logger, options }: RunContext): Promise<number> {
  const { settings } = config;
  const queues = await openQueues(settings, logger);
  const worker = createWorker(settings, logger);
  const loop = createServiceLoop(queues.queue(settings.sql_queue_name), worker, settings, logger);
  try {
    if (options.once) {
      await loop.runOnce();
      return 0;
    }
    const removeSignals = onSignals({ SIGUSR2: () => loop.pause(), SIGCONT: () => loop.resume() });
    void untilStopSignal().then((signal) => {
      logger.info({ signal }, "stopping after the current tick");
      void loop.stop();
    });
    await loop.run();
    removeSignals();
    return 0;
  } finally {
    await worker.close?.();
    await queues.close();
    logger.info({}, "controller stopped");
  }
}
