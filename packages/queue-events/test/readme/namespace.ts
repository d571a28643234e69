import { withEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { postgresDatabase } from "@task-queue/queue-sql/postgres";
import postgres from "postgres";

const client = postgres("postgres://app@db/app");
const db = postgresDatabase(client);
const namespace = await SqlQueueNamespace.open({ connection: db, tableName: "task_queue_items" });
const store = new SqlEventStore(db, { table: "task_queue_events" }); // the database the namespace was given
await store.migrate();
const queues = withEvents(namespace, store, { base: "TASK" });
await queues.queue("renders").put({ "frame-1": { scene: "intro" } });
console.log(await queues.queue("renders").history("frame-1")); // [{ …, kind: "ADD", from: null, to: "WAITING" }]
await namespace.close();
await client.end(); // the caller owns the connection it gave
