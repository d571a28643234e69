import { QueueWithEvents } from "@task-queue/queue-events";
import { SqlEventStore } from "@task-queue/queue-events/sql";
import { openSqlQueue } from "@task-queue/queue-sql";

const sqlQueue = await openSqlQueue({ connection: "postgres://app@db/app", queueName: "images" });
const store = new SqlEventStore(sqlQueue.database, { table: "images_events" }); // same database: each move and its event commit together
await store.migrate();
const queue = new QueueWithEvents(sqlQueue, store, { base: "IMAGES" });

await queue.put({ "img-1": { url: "s3://bucket/1.png" }, "img-2": { url: "s3://bucket/2.png" } });
const batch = await queue.get(100); // [[id, body], …], oldest first, each to exactly one caller
await queue.successMany(batch.map(([id]) => id)); // one statement for the whole batch
console.log(await queue.sizes(), await queue.history("img-1"));
await queue.close();
