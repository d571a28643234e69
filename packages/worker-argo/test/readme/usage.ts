import { readFile } from "node:fs/promises";
import { ArgoWorkflowsWorker } from "@task-queue/worker-argo";

const worker = new ArgoWorkflowsWorker({
  serverUrl: "https://argo-server.argo:2746",
  namespace: "argo",
  interfaceId: "work-queue-prod", // the work-queue.interface-id label value
  token: await readFile("/var/run/secrets/kubernetes.io/serviceaccount/token", "utf8"), // --auth-mode=client
  tls: { caFile: "/etc/argo/ca.pem" }, // or { ca: pemText } or { insecureSkipVerify: true }
  timeoutMs: 30_000,
  retry: { attempts: 3, initialDelayMs: 200, maxDelayMs: 5_000 },
  logger: console, // any pino-compatible logger
});
await worker.sendJob("item-1", {
  submit_body: {
    resourceKind: "WorkflowTemplate",
    resourceName: "echo-item",
    submitOptions: { parameters: ["message=hello"], labels: "team=data" },
  },
});
const stages = await worker.pollAllStatus(); // Map { "item-1" => 1 (PROCESSING) }
// undefined while it runs; a failed one: "workflow item-1-x7k2p Failed: <status.message>" (from the same poll)
console.log(stages, worker.lastError("item-1"));
await worker.deleteJob("item-1"); // logs of main, wait, init → logger; then delete
await worker.close();
