import type { Logger, QueueNamespace } from "@task-queue/queue-core";

export interface RescueSweep {
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Every `intervalSeconds`, treats expired leases as failed attempts in the default queue and in every queue that
 * holds items. Correctness never depends on it (a get rescues expired items itself); it keeps sizes truthful for
 * queues nobody is taking from. A failed sweep is logged and tried again next time.
 */
export function startRescueSweep(
  queues: QueueNamespace,
  defaultQueue: string,
  intervalSeconds: number,
  logger: Logger,
): RescueSweep {
  let running: Promise<void> | null = null;
  const sweep = async () => {
    try {
      const names = new Set([defaultQueue, ...(await queues.listQueues())]);
      for (const name of names) {
        const { retried, failed } = await queues.queue(name).rescueExpired();
        if (retried.length + failed.length > 0)
          logger.info(
            { queue: name, retried: retried.length, failed: failed.length },
            "expired leases rescued",
          );
      }
    } catch (error) {
      logger.warn({ err: error }, "rescue sweep failed; trying again next interval");
    }
  };
  const timer = setInterval(() => {
    // A sweep slower than the interval is not stacked up: the next tick finds it still running and skips.
    running ??= sweep().finally(() => {
      running = null;
    });
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
