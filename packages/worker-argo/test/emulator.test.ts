import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { QueueItemStage } from "@task-queue/queue-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArgoNetworkError, ArgoWorkflowsWorker, type Workflow } from "../src/index.js";
import { ArgoEmulator, applyFieldMask, parseLabelSelector } from "../src/testing/index.js";
import { selfSignedCertificate } from "./support/certificate.js";

let emulator: ArgoEmulator;

beforeEach(async () => {
  emulator = await ArgoEmulator.start();
});

afterEach(async () => {
  await emulator.close();
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${emulator.url}${url}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: response.status, json: await response.json() };
}

function workflow(name: string, labels: Record<string, string>): Workflow {
  return { metadata: { name, namespace: "ns", labels }, spec: {} };
}

describe("the emulator's OpenAPI validation", () => {
  it("records requests that do not fit the description, and answers 400", async () => {
    expect((await call("POST", "/api/v1/workflows/ns/submit", { resourceKind: 5 })).status).toBe(400);
    expect((await call("GET", "/api/v1/workflows/ns?listOptions.limit=ten")).status).toBe(400);
    expect((await call("GET", "/api/v1/workflows/ns?labelSelector=a")).status).toBe(400);
    expect((await call("POST", "/api/v1/workflows/ns")).status).toBe(400);
    expect((await call("GET", "/api/v1/nothing-here")).status).toBe(404);
    expect(emulator.mismatches).toEqual([
      expect.stringMatching(/request body of WorkflowService_SubmitWorkflow: \/resourceKind must be string/),
      expect.stringMatching(/listOptions.limit="ten" must be an int64/),
      expect.stringMatching(/query parameter labelSelector is not in the description/),
      expect.stringMatching(/WorkflowService_CreateWorkflow needs a JSON body/),
      expect.stringMatching(/GET \/api\/v1\/nothing-here is not an operation/),
    ]);
  });

  it("records responses that do not fit the description", async () => {
    emulator.insertWorkflow({
      metadata: { name: "odd", namespace: "ns", labels: { n: 1 as unknown as string } },
    });
    await call("GET", "/api/v1/workflows/ns/odd");
    expect(emulator.mismatches).toEqual([
      expect.stringMatching(/response 200 of WorkflowService_GetWorkflow/),
    ]);
  });

  it("accepts what the real server sends: null items, and workflows reduced to the fields asked for", async () => {
    expect((await call("GET", "/api/v1/workflows/ns")).json).toMatchObject({ items: null });
    emulator.insertWorkflow(workflow("w1", { a: "1" }));
    const reduced = await call("GET", "/api/v1/workflows/ns?fields=metadata,items.metadata.name");
    expect(reduced.json).toEqual({
      metadata: { resourceVersion: expect.any(String) },
      items: [{ metadata: { name: "w1" } }],
    });
    expect(emulator.mismatches).toEqual([]);
  });
});

describe("the emulator's list", () => {
  it("filters by label selector: =, !=, in, notin, exists, !exists", async () => {
    emulator.insertWorkflow(workflow("w1", { k: "a", t: "x" }));
    emulator.insertWorkflow(workflow("w2", { k: "b" }));
    emulator.insertWorkflow(workflow("w3", { k: "c" }));
    const names = async (selector: string) => {
      const { json } = await call(
        "GET",
        `/api/v1/workflows/ns?listOptions.labelSelector=${encodeURIComponent(selector)}`,
      );
      return ((json as { items: Workflow[] | null }).items ?? []).map((wf) => wf.metadata.name);
    };
    expect(await names("k=a")).toEqual(["w1"]);
    expect(await names("k!=a")).toEqual(["w2", "w3"]);
    expect(await names("k in (a, c)")).toEqual(["w1", "w3"]);
    expect(await names("k notin (a,c),!t")).toEqual(["w2"]);
    expect(await names("t")).toEqual(["w1"]);
    expect(await names("k in (a,b),t=x")).toEqual(["w1"]);
    expect(await names("k=zzz")).toEqual([]);
    expect(emulator.mismatches).toEqual([]);
  });

  it("parses selectors and field masks like the server", () => {
    expect(parseLabelSelector("a in (x,y),b!=z")({ a: "y" })).toBe(true);
    expect(() => parseLabelSelector("a in x")).toThrow(/unable to parse/);
    expect(applyFieldMask({ a: { b: 1, c: 2 }, d: [{ e: 1, f: 2 }] }, "a.b,d.e")).toEqual({
      a: { b: 1 },
      d: [{ e: 1 }],
    });
    expect(applyFieldMask({ a: { b: 1, c: 2 } }, "-a.c")).toEqual({ a: { b: 1 } });
  });
});

describe("the emulator's workflow lifecycle", () => {
  it("moves Pending → Running → Succeeded and sets the phase and completed labels", () => {
    emulator.insertWorkflow(workflow("w", {}));
    emulator.setPhase("w", "Running");
    expect(emulator.workflow("w")?.metadata.labels).toEqual({
      "workflows.argoproj.io/phase": "Running",
      "workflows.argoproj.io/completed": "false",
    });
    expect(() => emulator.setPhase("w", "Pending")).toThrow(/cannot move/);
    emulator.setPhase("w", "Succeeded");
    expect(emulator.workflow("w")?.status?.phase).toBe("Succeeded");
    expect(emulator.workflow("w")?.metadata.labels?.["workflows.argoproj.io/completed"]).toBe("true");
    expect(() => emulator.setPhase("w", "Failed")).toThrow(/cannot move/);
  });
});

describe("TLS", () => {
  let dir: string;
  let tlsEmulator: ArgoEmulator;
  let ca: string;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "argo-tls-"));
    const { key, cert } = selfSignedCertificate(dir);
    ca = readFileSync(cert, "utf8");
    tlsEmulator = await ArgoEmulator.start({ tls: { key: readFileSync(key, "utf8"), cert: ca } });
  });

  afterEach(async () => {
    await tlsEmulator.close();
    rmSync(dir, { recursive: true, force: true });
    expect(tlsEmulator.mismatches).toEqual([]);
  });

  const options = () => ({
    serverUrl: tlsEmulator.url,
    namespace: "ns",
    interfaceId: "tls",
    retry: { attempts: 1 },
  });

  it("trusts a custom CA (caFile or ca), refuses an unknown certificate, and skips verification only when asked", async () => {
    const withCaFile = new ArgoWorkflowsWorker({ ...options(), tls: { caFile: path.join(dir, "cert.pem") } });
    const withCa = new ArgoWorkflowsWorker({ ...options(), tls: { ca } });
    const insecure = new ArgoWorkflowsWorker({ ...options(), tls: { insecureSkipVerify: true } });
    const strict = new ArgoWorkflowsWorker(options());
    try {
      expect(await withCaFile.pollAllStatus()).toEqual(new Map<string, QueueItemStage>());
      expect(await withCa.pollAllStatus()).toEqual(new Map());
      expect(await insecure.pollAllStatus()).toEqual(new Map());
      await expect(strict.pollAllStatus()).rejects.toThrow(ArgoNetworkError);
    } finally {
      for (const worker of [withCaFile, withCa, insecure, strict]) await worker.close();
    }
  });
});
