import { mkdirSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import type { RunContext } from "../cli.js";
import { startHttpServer } from "../http-server.js";
import { onSignals, untilStopSignal } from "../signals.js";
import { createServiceLoop } from "../wiring/controller.js";
import { withQueueEvents } from "../wiring/queues.js";
import { createWorker } from "../wiring/worker.js";
import { startRescueSweep } from "./rescue-sweep.js";

/** `task-queue dev`: server, controller and process worker on PGlite in one process, until SIGTERM/SIGINT. */
export async function runDev({ config, logger }: RunContext): Promise<number> {
  const settings = {
    ...config.settings,
    worker_interface: "process" as const,
    with_queue_events: true,
    event_store_implementation: "sql-json" as const,
  };
  const stopped = untilStopSignal();
  const dataDir = resolve(settings.data_dir);
  mkdirSync(dataDir, { recursive: true });
  const database = await SqlQueueNamespace.open({ connection: `pglite://${dataDir}` });
  const queues = await withQueueEvents(database, settings, logger);
  const worker = createWorker(settings, logger);
  const loop = createServiceLoop(queues.queue(settings.sql_queue_name), worker, settings, logger);
  const server = await startHttpServer(queues, settings, logger);
  logger.info({ url: server.url, docs: `${server.url}/docs` }, "API server listening");
  const removeSignals = onSignals({ SIGUSR2: () => loop.pause(), SIGCONT: () => loop.resume() });
  const running = loop.run();
  const sweep = startRescueSweep(queues, settings.sql_queue_name, settings.rescue_interval_seconds, logger);
  process.stdout.write(
    `\ntask-queue dev is running\n  API:      ${server.url}/api/v1/queue\n  Docs:     ${server.url}/docs\n` +
      `  Data:     ${dataDir}\n  Scripts:  ${settings.path_to_scripts}\n` +
      `  Try:      ${invocation()} put examples/items.json --url ${server.url}\n  Stop:     Ctrl-C\n\n`,
  );
  const signal = await stopped;
  logger.info({ signal }, "stopping");
  await sweep.stop();
  await loop.stop();
  await running;
  removeSignals();
  await server.close();
  await worker.close?.();
  await queues.close();
  return 0;
}

/** How to call this program from the current folder: `task-queue` when run through its bin link, else node + path. */
function invocation(): string {
  const script = process.argv[1] ?? "task-queue";
  return basename(script) === "task-queue" ? "task-queue" : `node ${relative(process.cwd(), script)}`;
}
