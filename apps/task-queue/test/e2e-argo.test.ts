import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { ANNOTATION_ITEM_ID, unescapeAnnotationValue } from "@task-queue/worker-argo";
import { ArgoEmulator } from "@task-queue/worker-argo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Outcome, type RunningSystem, runFlow, startSystem, stopSystem } from "./support/system.js";

const PROCESSING_LIMIT = 5;
const TOKEN = "argo-e2e-token";

const ids = Array.from({ length: 50 }, (_, i) => `argo-${String(i).padStart(2, "0")}`);
/** Every 4th item's workflow fails. */
const expected = (id: string): Outcome => (Number(id.slice(5)) % 4 === 3 ? "FAIL" : "SUCCESS");

describe("task-queue server + controller (Argo Workflows worker) against the Argo emulator", () => {
  const table = randomTableName("tq_e2e_argo");
  let emulator: ArgoEmulator;
  let system: RunningSystem;

  beforeAll(async () => {
    emulator = await ArgoEmulator.start({ token: TOKEN });
    emulator.addWorkflowTemplate("e2e-template", ["message"]);
    system = await startSystem(table, {
      WORKER_INTERFACE: "argo-workflows",
      ENDPOINT: emulator.url,
      NAMESPACE: "argo",
      WORKER_INTERFACE_ID: `e2e-${table.slice(-6)}`,
      ARGO_TOKEN: TOKEN,
      PROCESSING_LIMIT: String(PROCESSING_LIMIT),
    });
  });

  afterAll(async () => {
    await system?.controller.stop("SIGKILL");
    await system?.server.stop("SIGKILL");
    await emulator?.close();
    await dropQueueTable(await testDatabaseUrl(), table);
  });

  /** Plays Argo's workflow controller: each workflow it has not finished runs, then succeeds or fails. */
  async function moveWorkflowsOn(): Promise<void> {
    for (const workflow of emulator.workflows()) {
      const annotation = workflow.metadata.annotations?.[ANNOTATION_ITEM_ID];
      const phase = workflow.status?.phase;
      if (annotation === undefined || phase === "Succeeded" || phase === "Failed") continue;
      const id = unescapeAnnotationValue(annotation);
      if (phase !== "Running") emulator.setPhase(workflow.metadata.name!, "Running");
      else emulator.setPhase(workflow.metadata.name!, expected(id) === "FAIL" ? "Failed" : "Succeeded");
    }
  }

  it("runs 50 items as workflows to SUCCESS or FAIL, never over the processing limit", async () => {
    const submit = (id: string) => ({
      submit_body: {
        resourceKind: "WorkflowTemplate",
        resourceName: "e2e-template",
        submitOptions: { parameters: [`message=${id}`] },
      },
    });
    await runFlow(system, {
      items: Object.fromEntries(ids.map((id) => [id, submit(id)])),
      expected,
      processingLimit: PROCESSING_LIMIT,
      between: moveWorkflowsOn,
    });
    expect(emulator.mismatches).toEqual([]);
    // The token never reaches the logs.
    expect(system.controller.lines.join("\n")).not.toContain(TOKEN);
  }, 180_000);

  it("stops both on SIGTERM with exit code 0", async () => {
    await stopSystem(system);
  });
});
