import { S3Queue, S3QueueNamespace } from "@task-queue/queue-s3";

const queue = new S3Queue({
  basePath: "s3://my-bucket/batches",
  endpoint: "http://127.0.0.1:9000", // omit for AWS
  forcePathStyle: true, // most S3-compatible servers need it
  // credentials omitted: the SDK's default chain (AWS_* variables, profiles, instance roles)
  logger: console, // any pino-compatible logger; gets the start-up warning
});
await queue.put({ "job-1": { input: "a.csv" } });
const [[id] = []] = await queue.get(1); // [[id, body]], or [] when nothing waits
if (id) await queue.success(id);
await queue.close();

// Many queues under one base path, sharing one client:
const queues = new S3QueueNamespace({
  basePath: "s3://my-bucket/batches",
  endpoint: "http://127.0.0.1:9000",
  forcePathStyle: true,
  defaultQueueName: "default",
});
await queues.queue("nightly").put({ a: 1 });
console.log(await queues.listQueues()); // ["default", "nightly"]: each queue holding items
await queues.close();
