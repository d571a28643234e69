import { InMemoryQueueNamespace, type Logger, type QueueNamespace } from "@task-queue/queue-core";
import { type EventStore, InMemoryEventStore, withEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { ForeignTableError, SqlQueue, SqlQueueNamespace } from "@task-queue/queue-sql";
import { CliError, EXIT_USAGE } from "../cli.js";
import type { Settings } from "../config/schema.js";
import { openS3Namespace } from "./s3.js";
import { sqlConnectionString } from "./sql-connection.js";

/** Opens the queues the configuration names, wrapped with events when asked for. */
export async function openQueues(settings: Settings, logger: Logger): Promise<QueueNamespace> {
  return withQueueEvents(await openBackend(settings, logger), settings, logger);
}

/** Wraps a namespace with events when WITH_QUEUE_EVENTS asks for them; closes it if that fails. */
export async function withQueueEvents(
  namespace: QueueNamespace,
  settings: Settings,
  logger: Logger,
): Promise<QueueNamespace> {
  if (!settings.with_queue_events) return namespace;
  try {
    const store = await openEventStore(settings, namespace);
    const names = { add: settings.add_to_queue_event_name, move: settings.move_queue_event_name };
    return withEvents(namespace, store, names, { logger });
  } catch (error) {
    await namespace.close();
    throw error;
  }
}

async function openBackend(settings: Settings, logger: Logger): Promise<QueueNamespace> {
  switch (settings.queue_implementation) {
    case "sql-json":
      try {
        return await SqlQueueNamespace.open({
          connection: sqlConnectionString(settings),
          tableName: settings.sql_queue_table,
        });
      } catch (error) {
        if (error instanceof ForeignTableError && error.legacy)
          throw new CliError(
            `SQL_QUEUE_TABLE (--sql-queue-table): ${error.message}. Run \`task-queue migrate legacy-sql\` (then --apply) to copy its items and its sqleventstore events into task_queue_items, and leave SQL_QUEUE_TABLE unset`,
            EXIT_USAGE,
          );
        if (error instanceof ForeignTableError)
          throw new CliError(`SQL_QUEUE_TABLE (--sql-queue-table): ${error.message}`, EXIT_USAGE);
        throw error;
      }
    case "s3-json":
      return openS3Namespace(settings, logger);
    case "in-memory":
      return new InMemoryQueueNamespace();
  }
}

async function openEventStore(settings: Settings, namespace: QueueNamespace): Promise<EventStore> {
  if (settings.event_store_implementation === "in-memory") return new InMemoryEventStore();
  // The events share the queue's database (and its transactions): take it from a queue handle.
  const queue = namespace.queue(settings.sql_queue_name);
  if (!(queue instanceof SqlQueue)) throw new Error("EVENT_STORE_IMPLEMENTATION sql-json needs a SQL queue");
  const store = new SqlEventStore(queue.database);
  await store.migrate();
  return store;
}
