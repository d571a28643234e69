import { ApiClient } from "@task-queue/api-client";

const client = new ApiClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.TASK_QUEUE_TOKEN });
await client.put({ "job-1": { file_name: "work.mjs", args: ["ok"] } });
const [[id] = []] = await client.get(1); // [[id, body]], or [] when nothing waits
if (id) await client.success(id);
console.log(await client.queue("thumbnails").sizes()); // a named queue

// With the lifecycle: options on put, a lease, the attempt as fencing token.
await client.putJobs([{ id: "job-2", body: {}, priority: 10, maxAttempts: 3 }]);
const [job] = await client.getJobs(1, { leaseSeconds: 60, waitSeconds: 20 });
if (job) {
  await client.extend(job.itemId, { attempt: job.attempt, leaseSeconds: 60 }); // a heartbeat
  await client.success(job.itemId, { attempt: job.attempt, result: { ok: true } }); // LeaseLost if it was lost
}
