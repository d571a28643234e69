import { mkdirSync } from "node:fs";
import { basename, isAbsolute, relative, resolve } from "node:path";
import { ServerMetrics } from "@task-queue/metrics";
import { InMemoryLeaderElection } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import type { RunContext } from "../cli.js";
import { EXAMPLE_ITEMS_FILE } from "../paths.js";
import { onSignals, stopSignal } from "../signals.js";
import { createServiceLoop, queueLogger } from "../wiring/controller.js";
import { withQueueEvents } from "../wiring/queues.js";
import { createWorker } from "../wiring/worker.js";
import { startApiServices } from "./api-services.js";
import { withResources } from "./resources.js";

/** `task-queue dev`: server, controller and process worker on PGlite in one process, until SIGTERM/SIGINT. */
export async function runDev({ config, logger }: RunContext): Promise<number> {
  const settings = {
    ...config.settings,
    worker_interface: "process" as const,
    with_queue_events: true,
    event_store_implementation: "sql-json" as const,
  };
  const dataDir = resolve(settings.data_dir);
  mkdirSync(dataDir, { recursive: true });
  await withResources(async (resources) => {
    const stop = resources.add(stopSignal(), (signal) => signal.remove());
    const bound = queueLogger(logger, settings);
    const worker = resources.add(createWorker(settings, bound), (created) => created.close?.());
    const database = await SqlQueueNamespace.open({ connection: `pglite://${dataDir}` });
    const queues = resources.add(await withQueueEvents(database, settings, logger), (opened) =>
      opened.close(),
    );
    // PGlite serves this process alone: the only controller is this one.
    const election = new InMemoryLeaderElection(queues);
    // One registry for the whole process: the API's /metrics shows the controller's metrics too.
    const metrics = new ServerMetrics(queues, settings.sql_queue_name);
    const queue = queues.queue(settings.sql_queue_name);
    const loop = createServiceLoop(queue, worker, election, settings, bound, metrics);
    const server = await startApiServices(resources, queues, settings, logger, metrics);
    resources.add(onSignals({ SIGUSR2: () => loop.pause(), SIGCONT: () => loop.resume() }), (remove) =>
      remove(),
    );
    const running = loop.run();
    process.stdout.write(
      `\ntask-queue dev is running\n  API:      ${server.url}/api/v1/queue\n  Docs:     ${server.url}/docs\n` +
        `  Data:     ${dataDir}\n  Scripts:  ${settings.path_to_scripts}\n` +
        `  Try:      ${invocation()} put ${displayPath(EXAMPLE_ITEMS_FILE)} --url ${server.url}\n  Stop:     Ctrl-C\n\n`,
    );
    const signal = await stop.stopped;
    logger.info({ signal }, "stopping");
    await loop.stop();
    await running;
  });
  return 0;
}

/** A path as short as it can be shown: relative to the current folder when it lies below it. */
function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown.startsWith("..") || isAbsolute(shown) ? path : shown;
}

/** How to call this program from the current folder: `task-queue` when run through its bin link, else node + path. */
function invocation(): string {
  const script = process.argv[1] ?? "task-queue";
  return basename(script) === "task-queue" ? "task-queue" : `node ${relative(process.cwd(), script)}`;
}
