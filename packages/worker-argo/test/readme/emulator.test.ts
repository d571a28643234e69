import { QueueItemStage } from "@task-queue/queue-core";
import { ArgoWorkflowsWorker } from "@task-queue/worker-argo";
import { ArgoEmulator } from "@task-queue/worker-argo/testing";
import { expect, it } from "vitest";

it("reports a failed workflow's message", async () => {
  const argo = await ArgoEmulator.start({ token: "t" }); // loopback port; { tls: { key, cert } } for HTTPS
  argo.addWorkflowTemplate("echo-item", ["message"]);
  const worker = new ArgoWorkflowsWorker({
    serverUrl: argo.url,
    namespace: "argo",
    interfaceId: "test",
    token: "t",
    retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
  });
  await worker.sendJob("item-1", {
    submit_body: {
      resourceKind: "WorkflowTemplate",
      resourceName: "echo-item",
      submitOptions: { parameters: ["message=hi"] },
    },
  });
  const name = argo.workflows()[0]!.metadata.name!;
  argo.setPhase(name, "Running"); // Pending → Running → Succeeded | Failed | Error
  argo.setLogs(name, "main", ["line 1"]);
  argo.setPhase(name, "Failed", "out of memory");
  argo.injectFailures(2, { kind: "status", status: 503 }); // or { kind: "reset" } / { kind: "hang" }; retried
  expect(await worker.pollAllStatus()).toEqual(new Map([["item-1", QueueItemStage.FAIL]]));
  expect(worker.lastError("item-1")).toContain("out of memory");
  await worker.close();
  await argo.close();
  expect(argo.mismatches).toEqual([]); // every request and response fits the description
});
