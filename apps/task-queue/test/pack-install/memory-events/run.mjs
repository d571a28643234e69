// Run with node in a project that installed only queue-core and queue-events (no queue-sql): the in-memory store
// records a whole life.
import { InMemoryQueue } from "@task-queue/queue-core";
import { InMemoryEventStore, QueueWithEvents } from "@task-queue/queue-events";

const queue = new QueueWithEvents(new InMemoryQueue(), new InMemoryEventStore(), { base: "TASK" });
await queue.put({ a: 1 });
const [[id]] = await queue.get(1);
await queue.success(id);
const history = await queue.history("a");
console.log(JSON.stringify(history.map((entry) => entry.to)));
