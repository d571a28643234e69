import { ApiClient, ApiQueueNamespace } from "@task-queue/api-client";
import { LeaseLost } from "@task-queue/queue-core";

const client = new ApiClient({
  baseUrl: "http://127.0.0.1:8000",
  token: "…",
  timeoutMs: 10_000,
  retry: { attempts: 3, delayMs: 100 },
});
await client.put({ "job-1": { file: "a.png" } }); // default queue: /api/v1/queue/…
const [[id] = []] = await client.get(1); // [[id, body]], or [] when nothing waits
if (id) await client.success(id);
const thumbnails = client.queue("thumbnails"); // /api/v1/queues/thumbnails/…
console.log(await thumbnails.sizes(), await client.listQueues());
const namespace = new ApiQueueNamespace({ baseUrl: "http://127.0.0.1:8000", token: "…" }); // a QueueNamespace
await namespace.queue("renders").put({ "frame-1": {} }); // for code written against QueueNamespace

// The job lifecycle: options on put, a lease, the attempt number as fencing token.
await client.putJobs([{ id: "job-2", body: {}, priority: 10, maxAttempts: 3 }]); // delaySeconds too
const controller = new AbortController(); // aborting ends the HTTP request; the server takes nothing for it
const [job] = await client.getJobs(5, { leaseSeconds: 120, waitSeconds: 20, signal: controller.signal });
if (job) {
  await client.extend(job.itemId, { attempt: job.attempt, leaseSeconds: 120 }); // heartbeat → Date
  try {
    await client.success(job.itemId, { attempt: job.attempt, result: { frames: 12 } });
  } catch (error) {
    if (error instanceof LeaseLost) console.log("the lease expired and the item went to someone else");
    else throw error;
  }
}
console.log(await client.lookupRecord("job-2")); // attempts, lastError, result, runAfter (Dates), …
