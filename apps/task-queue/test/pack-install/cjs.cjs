// Run with node in a project that installed the packed tarballs: require() of every package (the ESM build).
const names = [
  "@task-queue/queue-core",
  "@task-queue/queue-sql",
  "@task-queue/queue-s3",
  "@task-queue/queue-events",
  "@task-queue/api-server",
  "@task-queue/api-client",
  "@task-queue/controller",
  "@task-queue/metrics",
  "@task-queue/worker-argo",
  "@task-queue/worker-process",
];
const loaded = {};
for (const name of names) loaded[name] = Object.keys(require(name)).length;
const { InMemoryQueue, stageName } = require("@task-queue/queue-core");
const queue = new InMemoryQueue();
queue
  .put({ a: 1 })
  .then(() => queue.lookupStatus("a"))
  .then((stage) => console.log(JSON.stringify({ loaded, stage: stageName(stage) })));
