import { InMemoryQueue, isQueueError, QueueItemStage, stageName } from "@task-queue/queue-core";

const queue = new InMemoryQueue();
await queue.put({ "job-1": { n: 1 }, "job-2": { n: 2 } });
const [job] = await queue.getJobs(1, { leaseSeconds: 60 }); // WAITING → PROCESSING, with an attempt number
await queue.success(job!.itemId, { attempt: job!.attempt, result: { ok: true } });
console.log(stageName(await queue.lookupStatus("job-1")), await queue.size(QueueItemStage.WAITING)); // SUCCESS 1

try {
  await queue.success("job-2"); // still WAITING
} catch (error) {
  if (isQueueError(error, "INVALID_TRANSITION")) console.log(error.from); // WAITING
}
