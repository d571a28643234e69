import { InvalidArgument, InvalidItem, QueueItemStage } from "@task-queue/queue-core";
import { recordingLogger } from "@task-queue/queue-core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ANNOTATION_ITEM_ID,
  ArgoApiError,
  ArgoNetworkError,
  type ArgoWorkerOptions,
  ArgoWorkflowsWorker,
  isValidLabelValue,
  LABEL_INTERFACE_ID,
  LABEL_ITEM_ID,
} from "../src/index.js";
import { ArgoEmulator } from "../src/testing/index.js";

const TOKEN = "s3cr3t-service-account-token";
const NAMESPACE = "argo";
const INTERFACE_ID = "tq-test";

function submitBody(message: string, submitOptions: Record<string, unknown> = {}) {
  return {
    submit_body: {
      resourceKind: "WorkflowTemplate",
      resourceName: "echo-item",
      submitOptions: { parameters: [`message=${message}`], ...submitOptions },
    },
  };
}

let emulator: ArgoEmulator;
let logger: ReturnType<typeof recordingLogger>;
const workers: ArgoWorkflowsWorker[] = [];

function makeWorker(overrides: Partial<ArgoWorkerOptions> = {}): ArgoWorkflowsWorker {
  const worker = new ArgoWorkflowsWorker({
    serverUrl: emulator.url,
    namespace: NAMESPACE,
    interfaceId: INTERFACE_ID,
    token: TOKEN,
    retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
    logger,
    ...overrides,
  });
  workers.push(worker);
  return worker;
}

/** The one workflow the emulator holds for an item (by its annotation). */
function workflowOf(id: string) {
  const found = emulator
    .workflows()
    .filter((wf) => wf.metadata.annotations?.[ANNOTATION_ITEM_ID] !== undefined);
  const named = found.filter((wf) => wf.metadata.labels?.[LABEL_ITEM_ID] !== undefined);
  return named.filter((wf) => decodeURIComponent(wf.metadata.annotations?.[ANNOTATION_ITEM_ID] ?? "") === id);
}

beforeEach(async () => {
  emulator = await ArgoEmulator.start({ token: TOKEN });
  emulator.addWorkflowTemplate("echo-item", ["message"]);
  logger = recordingLogger();
});

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.close();
  await emulator.close();
  // Every request the worker sent and every answer the emulator gave fits Argo's OpenAPI description.
  expect(emulator.mismatches).toEqual([]);
  // The token never reaches a log entry.
  expect(JSON.stringify(logger.records)).not.toContain(TOKEN);
});

describe("sendJob", () => {
  it("submits from a WorkflowTemplate, merging our labels and annotation into the body's own", async () => {
    const worker = makeWorker();
    await worker.sendJob(
      "item-1",
      submitBody("hello", { labels: "team=a,work-queue.interface-id=spoofed", annotations: "owner=me" }),
    );
    const [workflow, ...others] = emulator.workflows();
    expect(others).toEqual([]);
    expect(workflow?.metadata.labels).toMatchObject({
      team: "a",
      [LABEL_INTERFACE_ID]: INTERFACE_ID,
      [LABEL_ITEM_ID]: "item-1",
    });
    expect(workflow?.metadata.annotations).toEqual({ owner: "me", [ANNOTATION_ITEM_ID]: "item-1" });
    expect(workflow?.spec?.arguments?.parameters).toEqual([{ name: "message", value: "hello" }]);
    const submit = emulator.requests.find((r) => r.operationId === "WorkflowService_SubmitWorkflow");
    expect(submit?.path).toBe(`/api/v1/workflows/${NAMESPACE}/submit`);
    expect(submit?.body).toMatchObject({
      submitOptions: {
        labels: `team=a,${LABEL_INTERFACE_ID}=${INTERFACE_ID},${LABEL_ITEM_ID}=item-1`,
        annotations: `owner=me,${ANNOTATION_ITEM_ID}=item-1`,
      },
    });
  });

  it("creates a workflow from a full manifest under `workflow`, merging labels into metadata.labels", async () => {
    const worker = makeWorker();
    const manifest = {
      metadata: { generateName: "manual-", labels: { app: "demo" } },
      spec: {
        entrypoint: "main",
        templates: [{ name: "main", container: { image: "busybox", command: ["echo", "hi"] } }],
      },
    };
    await worker.sendJob("item-2", { workflow: manifest });
    const [workflow] = emulator.workflows();
    expect(workflow?.metadata.name).toMatch(/^manual-/);
    expect(workflow?.metadata.labels).toEqual({
      app: "demo",
      [LABEL_INTERFACE_ID]: INTERFACE_ID,
      [LABEL_ITEM_ID]: "item-2",
    });
    expect(emulator.requests.map((r) => r.operationId)).toEqual(["WorkflowService_CreateWorkflow"]);
    expect(await worker.pollAllStatus()).toEqual(new Map([["item-2", QueueItemStage.PROCESSING]]));
  });

  it("puts a hash of a label-unsafe id in the label and the full id in the annotation, and reads it back", async () => {
    const worker = makeWorker();
    const ids = ["dir/file name ünï", "x".repeat(64), "a,b=c%d", "-leading-dash", ""];
    for (const id of ids.slice(0, 4)) await worker.sendJob(id, submitBody("m"));
    const labels = emulator.workflows().map((wf) => wf.metadata.labels?.[LABEL_ITEM_ID] ?? "");
    expect(labels.every((label) => isValidLabelValue(label) && /^[0-9a-f]{63}$/.test(label))).toBe(true);
    expect(new Set(labels).size).toBe(4);
    const statuses = await worker.pollAllStatus();
    expect([...statuses.keys()].sort()).toEqual(ids.slice(0, 4).sort());
    // Stable: the same id always gives the same label, so deleteJob finds the workflow.
    await worker.deleteJob("a,b=c%d");
    expect(emulator.workflows()).toHaveLength(3);
    expect(workflowOf("a,b=c%d")).toEqual([]);
  });

  it("rejects a body with neither or both of submit_body and workflow, or bad labels, before any request", async () => {
    const worker = makeWorker();
    await expect(worker.sendJob("bad", { something: 1 })).rejects.toThrow(InvalidItem);
    await expect(worker.sendJob("bad", { submit_body: {}, workflow: {} })).rejects.toThrow(/exactly one/);
    await expect(worker.sendJob("bad", submitBody("m", { labels: "novalue" }))).rejects.toThrow(/key=value/);
    await expect(
      worker.sendJob("bad", { submit_body: { resourceKind: "Pod", resourceName: "x" } }),
    ).rejects.toThrow(/resourceKind/);
    await expect(worker.sendJob("bad", { workflow: { metadata: {} } })).rejects.toThrow(/workflow.spec/);
    expect(emulator.requests).toEqual([]);
  });
});

describe("pollAllStatus", () => {
  it("maps Pending/Running to PROCESSING, Succeeded to SUCCESS, Failed and Error to FAIL", async () => {
    const worker = makeWorker();
    const phases = {
      pending: undefined,
      running: "Running",
      ok: "Succeeded",
      failed: "Failed",
      error: "Error",
    } as const;
    for (const id of Object.keys(phases)) await worker.sendJob(id, submitBody(id));
    for (const workflow of emulator.workflows()) {
      const id = workflow.metadata.labels?.[LABEL_ITEM_ID] as keyof typeof phases;
      const phase = phases[id];
      if (phase !== "Running" && phase !== undefined)
        emulator.setPhase(workflow.metadata.name as string, "Running");
      if (phase) emulator.setPhase(workflow.metadata.name as string, phase);
    }
    expect(await worker.pollAllStatus()).toEqual(
      new Map([
        ["pending", QueueItemStage.PROCESSING],
        ["running", QueueItemStage.PROCESSING],
        ["ok", QueueItemStage.SUCCESS],
        ["failed", QueueItemStage.FAIL],
        ["error", QueueItemStage.FAIL],
      ]),
    );
    const list = emulator.requests.find((r) => r.operationId === "WorkflowService_ListWorkflows");
    expect(list?.query["listOptions.labelSelector"]).toEqual([`${LABEL_INTERFACE_ID}=${INTERFACE_ID}`]);
    expect(list?.query.fields?.[0]).toContain("items.metadata.labels");
    expect(list?.query.fields?.[0]).not.toContain("spec");
  });

  it("follows continue pages", async () => {
    const worker = makeWorker({ pageSize: 2 });
    const ids = ["p1", "p2", "p3", "p4", "p5"];
    for (const id of ids) await worker.sendJob(id, submitBody(id));
    const statuses = await worker.pollAllStatus();
    expect([...statuses.keys()].sort()).toEqual(ids);
    const lists = emulator.requests.filter((r) => r.operationId === "WorkflowService_ListWorkflows");
    expect(lists).toHaveLength(3);
    expect(lists.map((r) => r.query["listOptions.limit"])).toEqual([["2"], ["2"], ["2"]]);
    expect(lists[0]?.query["listOptions.continue"]).toBeUndefined();
    expect(lists[1]?.query["listOptions.continue"]).toHaveLength(1);
    expect(lists[2]?.query["listOptions.continue"]).toHaveLength(1);
  });

  it("treats `items: null` as no workflows", async () => {
    const worker = makeWorker();
    expect(await worker.pollAllStatus()).toEqual(new Map());
    const response = await fetch(`${emulator.url}/api/v1/workflows/${NAMESPACE}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(await response.json()).toMatchObject({ items: null });
  });

  it("ignores workflows of other workers", async () => {
    const worker = makeWorker();
    emulator.insertWorkflow({
      metadata: {
        name: "foreign",
        namespace: NAMESPACE,
        labels: { [LABEL_INTERFACE_ID]: "other", [LABEL_ITEM_ID]: "x" },
      },
      spec: {},
    });
    await worker.sendJob("mine", submitBody("m"));
    expect([...(await worker.pollAllStatus()).keys()]).toEqual(["mine"]);
  });

  it("lets the newest workflow of a requeued item win", async () => {
    const worker = makeWorker();
    await worker.sendJob("again", submitBody("first"));
    const [first] = emulator.workflows();
    emulator.setPhase(first?.metadata.name as string, "Failed");
    await worker.sendJob("again", submitBody("second"));
    expect(await worker.pollAllStatus()).toEqual(new Map([["again", QueueItemStage.PROCESSING]]));
    const second = emulator.workflows()[1];
    emulator.setPhase(second?.metadata.name as string, "Succeeded");
    expect(await worker.pollAllStatus()).toEqual(new Map([["again", QueueItemStage.SUCCESS]]));
    // An older success does not hide a newer failure either.
    await worker.sendJob("again", submitBody("third"));
    const third = emulator.workflows()[2];
    emulator.setPhase(third?.metadata.name as string, "Error");
    expect(await worker.pollAllStatus()).toEqual(new Map([["again", QueueItemStage.FAIL]]));
  });

  it("lastError: the failed workflow's name, phase and message, from the poll's field mask", async () => {
    const worker = makeWorker();
    await worker.sendJob("oom", submitBody("a"));
    await worker.sendJob("ok", submitBody("b"));
    await worker.sendJob("quiet", submitBody("c"));
    const [oom, ok, quiet] = emulator.workflows().map((w) => w.metadata.name as string);
    emulator.setPhase(oom!, "Failed", "OOMKilled (exit code 137)");
    emulator.setPhase(ok!, "Succeeded");
    emulator.setPhase(quiet!, "Error");
    expect(worker.lastError("oom")).toBeUndefined(); // nothing polled yet
    await worker.pollAllStatus();
    expect(worker.lastError("oom")).toBe(`workflow ${oom} Failed: OOMKilled (exit code 137)`);
    expect(worker.lastError("quiet")).toBe(`workflow ${quiet} Error`);
    expect(worker.lastError("ok")).toBeUndefined();
  });
});

describe("deleteJob", () => {
  it("hands the main, wait and init logs to the logger, then deletes the workflow", async () => {
    const worker = makeWorker();
    await worker.sendJob("logged", submitBody("m"));
    const name = emulator.workflows()[0]?.metadata.name as string;
    emulator.setPhase(name, "Succeeded");
    emulator.setLogs(name, "main", ["hello from main", "second line"]);
    emulator.setLogs(name, "wait", ["wait line"]);
    emulator.setLogs(name, "init", ["init line"]);
    await worker.deleteJob("logged");
    expect(emulator.workflows()).toEqual([]);
    const lines = logger.records
      .filter((r) => r.msg === "workflow log")
      .map((r) => [r.obj.container, r.obj.content]);
    expect(lines).toEqual([
      ["main", "hello from main"],
      ["main", "second line"],
      ["wait", "wait line"],
      ["init", "init line"],
    ]);
    expect(
      logger.records.filter((r) => r.msg === "workflow log").every((r) => r.obj.item_id === "logged"),
    ).toBe(true);
    const logRequests = emulator.requests.filter((r) => r.operationId === "WorkflowService_WorkflowLogs");
    expect(logRequests.map((r) => r.query["logOptions.container"])).toEqual([["main"], ["wait"], ["init"]]);
  });

  it("is not an error when the item has no workflow, or the workflow is gone by the time of the delete", async () => {
    const worker = makeWorker();
    await worker.deleteJob("never-sent");
    await worker.sendJob("vanishing", submitBody("m"));
    emulator.injectFailures(1, { kind: "status", status: 404, method: "DELETE" });
    await worker.deleteJob("vanishing");
    expect(emulator.requests.filter((r) => r.operationId === "WorkflowService_DeleteWorkflow")).toHaveLength(
      1,
    );
  });
});

describe("HTTP behaviour", () => {
  it("sends the bearer token on every request", async () => {
    const worker = makeWorker();
    await worker.sendJob("auth", submitBody("m"));
    await worker.pollAllStatus();
    await worker.deleteJob("auth");
    expect(emulator.requests.length).toBeGreaterThan(4);
    expect(emulator.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("reports a 401 with Argo's message and never the token", async () => {
    const worker = makeWorker({ token: "wrong-token-value" });
    const error = await worker.pollAllStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArgoApiError);
    expect((error as ArgoApiError).status).toBe(401);
    expect((error as ArgoApiError).argoMessage).toMatch(/token not valid/);
    expect((error as Error).message).not.toContain("wrong-token-value");
    expect(emulator.requests).toHaveLength(1);
  });

  it("does not retry a 4xx and carries Argo's message and status", async () => {
    const worker = makeWorker();
    const error = await worker
      .sendJob("x", { submit_body: { resourceKind: "WorkflowTemplate", resourceName: "nope" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArgoApiError);
    expect((error as ArgoApiError).status).toBe(404);
    expect((error as ArgoApiError).grpcCode).toBe(5);
    expect((error as Error).message).toContain('workflowtemplates.argoproj.io "nope" not found');
    expect(emulator.requests).toHaveLength(1);
  });

  it("retries 5xx with backoff and succeeds, creating one workflow", async () => {
    const worker = makeWorker();
    emulator.injectFailures(2, { kind: "status", status: 503, method: "POST" });
    await worker.sendJob("flaky", submitBody("m"));
    expect(emulator.workflows()).toHaveLength(1);
    expect(emulator.requests.filter((r) => r.operationId === "WorkflowService_SubmitWorkflow")).toHaveLength(
      3,
    );
    expect(logger.records.filter((r) => r.msg === "Argo server error; retrying")).toHaveLength(2);
  });

  it("gives up after the last attempt with the 5xx status and message", async () => {
    const worker = makeWorker();
    emulator.injectFailures(3, { kind: "status", status: 500 });
    const error = await worker.pollAllStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArgoApiError);
    expect((error as ArgoApiError).status).toBe(500);
    expect((error as Error).message).toContain("injected failure");
    expect(emulator.requests).toHaveLength(3);
  });

  it("retries a dropped connection, and reports a request that never gets an answer as a network error", async () => {
    const worker = makeWorker();
    emulator.injectFailures(1, { kind: "reset" });
    await worker.sendJob("reset", submitBody("m"));
    expect(emulator.workflows()).toHaveLength(1);

    const impatient = makeWorker({ timeoutMs: 200, retry: { attempts: 1 } });
    emulator.injectFailures(1, { kind: "hang" });
    const error = await impatient.pollAllStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArgoNetworkError);
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it("reports an unreachable server as a network error", async () => {
    const url = emulator.url;
    await emulator.close();
    const worker = makeWorker({ serverUrl: url, retry: { attempts: 2, initialDelayMs: 1 } });
    await expect(worker.pollAllStatus()).rejects.toThrow(ArgoNetworkError);
  });

  it("validates its options", () => {
    expect(() => makeWorker({ interfaceId: "not a label" })).toThrow(InvalidArgument);
    expect(() => makeWorker({ serverUrl: "ftp://x" })).toThrow(InvalidArgument);
    expect(() => makeWorker({ tls: { ca: "pem", insecureSkipVerify: true } })).toThrow(/exclude/);
    expect(() => makeWorker({ timeoutMs: 0 })).toThrow(InvalidArgument);
  });
});
