// Run with node in a project that installed the packed tarballs: the ESM entry points work together.
import { ApiClient } from "@task-queue/api-client";
import { createApp } from "@task-queue/api-server";
import { InMemoryQueue, InMemoryQueueNamespace, isQueueError, stageName } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";

const queue = new InMemoryQueue();
await queue.put({ "job-1": { n: 1 } });
const [job] = await queue.getJobs(1, { leaseSeconds: 60 });
await queue.success(job.itemId, { attempt: job.attempt });
let refused = "";
try {
  await queue.success("job-1");
} catch (error) {
  if (isQueueError(error, "INVALID_TRANSITION")) refused = error.from;
}

const database = await SqlQueueNamespace.open({});
const sql = database.queue("jobs");
await sql.put({ x: 1 });
const sqlSizes = await sql.sizes();
await database.close();

const app = createApp({ queues: new InMemoryQueueNamespace() });
const health = await app.request("/healthz");
const client = new ApiClient({ baseUrl: "http://127.0.0.1:1", fetch: (request) => app.fetch(request) });

console.log(
  JSON.stringify({
    stage: stageName(await queue.lookupStatus("job-1")),
    refused,
    sqlWaiting: sqlSizes.WAITING,
    health: health.status,
    clientType: typeof client.sizes,
  }),
);
