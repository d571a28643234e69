// The SQL packages' public types, typechecked apart: they still expose drizzle-orm's and PGlite's own types.
import { QueueWithEvents } from "@task-queue/queue-events";
import { openSqlQueue, SqlQueue, SqlQueueNamespace } from "@task-queue/queue-sql";

export const used = [QueueWithEvents, openSqlQueue, SqlQueue, SqlQueueNamespace];
