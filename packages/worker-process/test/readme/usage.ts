import { setTimeout as sleep } from "node:timers/promises";
import { QueueItemStage } from "@task-queue/queue-core";
import { ProcessWorker } from "@task-queue/worker-process";

const worker = new ProcessWorker({
  scriptsDir: "./scripts",
  commandTemplate: ["python3", "{script}"], // optional
  timeoutMs: 10 * 60_000, // optional
  logger: console, // any pino-compatible logger
});
await worker.sendJob("item-1", { file_name: "train.py", args: ["--epochs", "3"] });
let stages = await worker.pollAllStatus(); // Map { "item-1" => PROCESSING | SUCCESS | FAIL }
while (stages.get("item-1") === QueueItemStage.PROCESSING) {
  await sleep(200);
  stages = await worker.pollAllStatus();
}
// SUCCESS and null, or FAIL and "exit code 3; stderr:\n<its last 20 stderr lines>" (or "timed out after …")
console.log(stages.get("item-1"), worker.lastError("item-1"));
await worker.deleteJob("item-1");
await worker.close();
