import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { JsonValue } from "@task-queue/queue-core";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import * as apps from "kubernetes-models/apps/v1";
import * as core from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { REPO_ROOT } from "./support/cli-process.js";
import { type RunningSystem, runFlow, startSystem, stopSystem } from "./support/system.js";

const run = promisify(execFile);
const DEPLOY = resolve(REPO_ROOT, "deploy");

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(dockerfile: string): Array<{ op: string; args: string }> {
  return dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [op = "", ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

describe("deploy/Dockerfile", () => {
  const steps = instructions(readFileSync(join(DEPLOY, "Dockerfile"), "utf8"));
  const all = (op: string) => steps.filter((step) => step.op === op).map((step) => step.args);
  const runtime = steps.slice(steps.findLastIndex((step) => step.op === "FROM"));
  const inRuntime = (op: string) => runtime.filter((step) => step.op === op).map((step) => step.args);

  it("is multi-stage: the runtime copies the deployed CLI from the build stage", () => {
    expect(all("FROM").length).toBeGreaterThanOrEqual(2);
    expect(all("RUN").join("\n")).toMatch(/pnpm (--filter @task-queue\/cli )?deploy .*--prod/);
    expect(inRuntime("COPY").some((args) => args.startsWith("--from="))).toBe(true);
    // Nothing is built or installed in the runtime stage.
    expect(inRuntime("RUN").join("\n")).not.toMatch(/pnpm|npm install/);
  });

  it("runs as a non-root user, numeric so Kubernetes can check runAsNonRoot", () => {
    const user = inRuntime("USER").at(-1) ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(":")[0]).not.toBe("0");
  });

  it("has a HEALTHCHECK on /healthz, and the entry point task-queue with server as the default command", () => {
    expect(inRuntime("HEALTHCHECK").join("\n")).toContain("/healthz");
    expect(JSON.parse(inRuntime("ENTRYPOINT").at(-1) ?? "null")).toEqual(["task-queue"]);
    expect(JSON.parse(inRuntime("CMD").at(-1) ?? "null")).toEqual(["server"]);
  });

  it("listens on 0.0.0.0:8001 inside the container", () => {
    const env = inRuntime("ENV").join(" ");
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(env).toMatch(/\bPORT=8001\b/);
    expect(inRuntime("EXPOSE")).toContain("8001");
  });
});

describe("deploy/compose.yaml", () => {
  const compose = parse(readFileSync(join(DEPLOY, "compose.yaml"), "utf8"), { merge: true }) as {
    services: Record<string, { command?: string[]; build?: { dockerfile: string }; environment?: object }>;
  };

  it("runs PostgreSQL, the server and the controller from the Dockerfile's image", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["controller", "postgres", "server"]);
    expect(compose.services.server?.command).toEqual(["server"]);
    expect(compose.services.controller?.command).toEqual(["controller"]);
    for (const name of ["server", "controller"]) {
      expect(compose.services[name]?.build?.dockerfile).toBe("deploy/Dockerfile");
      expect(compose.services[name]?.environment).toMatchObject({
        SQL_QUEUE_CONNECTION_STRING: expect.stringContaining("@postgres:5432/"),
      });
    }
  });
});

describe("deploy/kubernetes (rendered with kubectl kustomize)", () => {
  type K8sObject = {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec?: Record<string, unknown>;
  };
  let objects: K8sObject[] = [];
  const models: Record<string, Record<string, unknown>> = { v1: core, "apps/v1": apps };

  beforeAll(async () => {
    const { stdout } = await run("kubectl", ["kustomize", join(DEPLOY, "kubernetes")]);
    objects = parseAllDocuments(stdout).map((document) => document.toJS() as K8sObject);
  });

  it("renders a ConfigMap, a Secret, the server's Deployment and Service and the controller's Deployment", () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      "ConfigMap/task-queue",
      "Deployment/task-queue-controller",
      "Deployment/task-queue-server",
      "Secret/task-queue",
      "Service/task-queue",
    ]);
  });

  it("validates every object against the Kubernetes schemas", () => {
    for (const object of objects) {
      const Model = models[object.apiVersion]?.[object.kind] as
        | (new (
            data: object,
          ) => { validate(): void })
        | undefined;
      expect(Model, `${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => new Model!(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it("probes the server on /readyz and /healthz, runs two controllers, non-root and read-only, with requests", () => {
    const deployment = (name: string) => {
      const object = objects.find((o) => o.kind === "Deployment" && o.metadata.name === name);
      return new apps.Deployment(object as apps.IDeployment);
    };
    const server = deployment("task-queue-server");
    const controller = deployment("task-queue-controller");
    const serverContainer = server.spec?.template.spec?.containers[0];
    expect(serverContainer?.args).toEqual(["server"]);
    expect(serverContainer?.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(serverContainer?.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(controller.spec?.replicas).toBe(2);
    const controllerContainer = controller.spec?.template.spec?.containers[0];
    expect(controllerContainer?.args).toEqual(["controller"]);
    // The controller serves /metrics and /healthz on METRICS_PORT, on every address of its pod.
    const env = Object.fromEntries((controllerContainer?.env ?? []).map((v) => [v.name, v.value]));
    expect(env).toMatchObject({ METRICS_PORT: "9464", METRICS_HOST: "0.0.0.0" });
    expect(controllerContainer?.ports).toEqual([{ name: "metrics", containerPort: 9464 }]);
    expect(controllerContainer?.livenessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "metrics" });
    for (const deployment of [server, controller]) {
      const pod = deployment.spec?.template.spec;
      expect(pod?.securityContext?.runAsNonRoot).toBe(true);
      for (const container of pod?.containers ?? []) {
        expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
        expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
        expect(container.resources?.requests).toMatchObject({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(
          container.envFrom?.map((source) => source.configMapRef?.name ?? source.secretRef?.name),
        ).toEqual(["task-queue", "task-queue"]);
      }
    }
  });
});

/**
 * What the image's build stage does, without a Docker engine: `pnpm deploy --prod` of the CLI into a folder of its
 * own, then `server` and `controller` run from that folder on PostgreSQL and work through the example items.
 */
describe("pnpm deploy --prod of the CLI, run from its own folder", () => {
  const folder = join(mkdtempSync(join(tmpdir(), "tq-deploy-")), "app");
  const table = randomTableName("tq_deploy");
  let system: RunningSystem | undefined;

  beforeAll(async () => {
    await run("pnpm", ["--filter", "@task-queue/cli", "deploy", "--legacy", "--prod", folder], {
      cwd: REPO_ROOT,
      maxBuffer: 16 << 20,
    });
  }, 300_000);

  afterAll(async () => {
    await system?.controller.stop("SIGKILL");
    await system?.server.stop("SIGKILL");
    await dropQueueTable(await testDatabaseUrl(), table);
    rmSync(resolve(folder, ".."), { recursive: true, force: true });
  });

  it("holds production dependencies only", () => {
    const installed = readdirSync(join(folder, "node_modules"));
    for (const dev of ["vitest", "typescript", "playwright-core", "s3rver", "kubernetes-models"]) {
      expect(installed, dev).not.toContain(dev);
    }
    expect(existsSync(join(folder, "node_modules/@task-queue/api-server/dist/index.js"))).toBe(true);
    expect(existsSync(join(folder, "examples/scripts/hello.sh"))).toBe(true);
  });

  it("runs server and controller, which process the example items with the scripts it holds", async () => {
    system = await startSystem(
      table,
      {
        WORKER_INTERFACE: "process",
        PATH_TO_SCRIPTS: join(folder, "examples/scripts"),
        PROCESSING_LIMIT: "4",
      },
      { main: join(folder, "dist/main.js"), cwd: folder },
    );
    const items = JSON.parse(readFileSync(join(folder, "examples/items.json"), "utf8")) as Record<
      string,
      JsonValue
    >;
    const failing = new Set(["hello-fail", "job-03", "job-07"]);
    await runFlow(system, {
      items,
      expected: (id) => (failing.has(id) ? "FAIL" : "SUCCESS"),
      processingLimit: 4,
    });
    await stopSystem(system);
    system = undefined;
  });
});
