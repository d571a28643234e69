import { InMemoryQueue, type QueueDescription } from "@task-queue/queue-core";
import { runQueueConformance } from "@task-queue/queue-core/testing";

// Your Queue implementation; InMemoryQueue stands in for it here.
class MyQueue extends InMemoryQueue {
  override async description(): Promise<QueueDescription> {
    return { implementation: "MyQueue", arguments: {} };
  }
}

runQueueConformance(
  "MyQueue",
  () => new MyQueue(),
  { strictFifo: true, priority: true, delay: true }, // capabilities
  { implementation: "MyQueue" }, // what description() must name
);
