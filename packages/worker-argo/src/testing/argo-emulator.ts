import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { LABEL_COMPLETED, LABEL_PHASE } from "../labels.js";
import type {
  GrpcError,
  Workflow,
  WorkflowCreateRequest,
  WorkflowList,
  WorkflowSubmitRequest,
} from "../types.js";
import { applyFieldMask } from "./field-mask.js";
import { parseLabelSelector } from "./label-selector.js";
import { OpenApiValidator, type Operation } from "./openapi-validator.js";

export type WorkflowPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Error";
const COMPLETED_PHASES: readonly WorkflowPhase[] = ["Succeeded", "Failed", "Error"];
const PHASE_ORDER: readonly WorkflowPhase[] = ["Pending", "Running", "Succeeded"];

export interface ArgoEmulatorOptions {
  /** When set, every request must carry `Authorization: Bearer <token>` (as `--auth-mode=client`). */
  token?: string;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Clock for creationTimestamp; by default a logical clock that moves one second per created workflow. */
  now?: () => Date;
}

/** What the next matching requests get instead of a normal answer. */
export type InjectedFailure =
  | { kind: "status"; status: number; method?: string; path?: RegExp }
  | { kind: "reset"; method?: string; path?: RegExp }
  | { kind: "hang"; method?: string; path?: RegExp };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  authorization: string | undefined;
  operationId: string | undefined;
  body: unknown;
}

interface StoredWorkflow {
  workflow: Workflow;
  logs: Map<string, string[]>;
}

interface Reply {
  status: number;
  body?: unknown;
  /** Newline-delimited JSON: each entry is validated and written as one line. */
  stream?: unknown[];
}

const GRPC_CODE: Record<number, number> = {
  400: 3,
  401: 16,
  404: 5,
  409: 6,
  500: 13,
  502: 14,
  503: 14,
  504: 4,
};

function grpcError(status: number, message: string): Reply {
  const body: GrpcError = { code: GRPC_CODE[status] ?? 2, message, details: [] };
  return { status, body };
}

let validator: OpenApiValidator | undefined;

/** Compiling the schemas takes a while; every emulator in a process shares one validator. */
function sharedValidator(): OpenApiValidator {
  validator ??= new OpenApiValidator();
  return validator;
}

function notFound(name: string): Reply {
  return grpcError(404, `workflows.argoproj.io "${name}" not found`);
}

/**
 * An Argo Server on a loopback port that keeps workflows in memory. Every request it receives and every response it
 * sends is checked against Argo's OpenAPI description; `mismatches` lists what did not fit, and a test fails on any.
 */
export class ArgoEmulator {
  readonly requests: RecordedRequest[] = [];
  readonly mismatches: string[] = [];
  private readonly store = new Map<string, StoredWorkflow>();
  private readonly templates = new Map<string, string[]>();
  private readonly failures: InjectedFailure[] = [];
  private readonly validator = sharedValidator();
  private server: Server | undefined;
  private baseUrl = "";
  private createdCount = 0;
  private resourceVersion = 1000;
  private readonly now: () => Date;

  private constructor(private readonly options: ArgoEmulatorOptions) {
    const start = Date.UTC(2025, 0, 1);
    this.now = options.now ?? (() => new Date(start + this.createdCount * 1000));
  }

  static async start(options: ArgoEmulatorOptions = {}): Promise<ArgoEmulator> {
    const emulator = new ArgoEmulator(options);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      emulator.handle(req, res).catch((error: unknown) => {
        emulator.mismatches.push(`emulator failure: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    const server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    emulator.server = server;
    const { port } = server.address() as AddressInfo;
    emulator.baseUrl = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
    return emulator;
  }

  /** Base URL, e.g. http://127.0.0.1:41234. */
  get url(): string {
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  /** A WorkflowTemplate (or ClusterWorkflowTemplate) that submit can use, with the names of its parameters. */
  addWorkflowTemplate(name: string, parameters: string[] = []): void {
    this.templates.set(name, parameters);
  }

  /** The next `count` requests matching the failure's method/path get it (5xx, a reset connection, no answer). */
  injectFailures(count: number, failure: InjectedFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  /** Copies of the stored workflows, oldest first. */
  workflows(): Workflow[] {
    return [...this.store.values()]
      .map((stored) => structuredClone(stored.workflow))
      .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
  }

  workflow(name: string): Workflow | undefined {
    const stored = this.store.get(name);
    return stored && structuredClone(stored.workflow);
  }

  /** Puts a workflow in the store as is (e.g. one another worker started, or one with odd labels). */
  insertWorkflow(workflow: Workflow): void {
    const name = workflow.metadata.name;
    if (!name) throw new Error("insertWorkflow needs metadata.name");
    this.store.set(name, { workflow: structuredClone(workflow), logs: new Map() });
  }

  /**
   * Moves a workflow on as the workflow controller would: Pending → Running → Succeeded | Failed | Error, setting
   * status.phase (and status.message, when given) and the phase/completed labels. A completed workflow does not
   * move any more.
   */
  setPhase(name: string, phase: WorkflowPhase, message?: string): void {
    const stored = this.store.get(name);
    if (!stored) throw new Error(`no workflow ${name}`);
    const workflow = stored.workflow;
    const current = (workflow.status?.phase ?? "Pending") as WorkflowPhase;
    const forward =
      COMPLETED_PHASES.includes(phase) || PHASE_ORDER.indexOf(phase) >= PHASE_ORDER.indexOf(current);
    if (COMPLETED_PHASES.includes(current) || !forward)
      throw new Error(`cannot move ${name} from ${current} to ${phase}`);
    const completed = COMPLETED_PHASES.includes(phase);
    workflow.status = {
      ...workflow.status,
      phase,
      ...(phase !== "Pending" && !workflow.status?.startedAt ? { startedAt: this.now().toISOString() } : {}),
      ...(completed ? { finishedAt: this.now().toISOString() } : {}),
      ...(message === undefined ? {} : { message }),
    };
    workflow.metadata.labels = {
      ...workflow.metadata.labels,
      [LABEL_PHASE]: phase,
      [LABEL_COMPLETED]: String(completed),
    };
    workflow.metadata.resourceVersion = String(++this.resourceVersion);
  }

  /** Log lines the log endpoint streams for one container of a workflow. */
  setLogs(name: string, container: string, lines: string[]): void {
    const stored = this.store.get(name);
    if (!stored) throw new Error(`no workflow ${name}`);
    stored.logs.set(container, [...lines]);
  }

  private takeFailure(method: string, path: string): InjectedFailure | undefined {
    const index = this.failures.findIndex(
      (failure) =>
        (!failure.method || failure.method === method) && (!failure.path || failure.path.test(path)),
    );
    return index === -1 ? undefined : this.failures.splice(index, 1)[0];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = req.method ?? "GET";
    const matched = this.validator.match(method, url.pathname);
    const bodyPresent = raw.length > 0;
    let body: unknown;
    let bodyProblem: string | undefined;
    if (bodyPresent) {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyProblem = `${method} ${url.pathname}: the body is not JSON`;
      }
      if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
        bodyProblem = `${method} ${url.pathname}: content-type ${req.headers["content-type"]} is not application/json`;
      }
    }
    const query: Record<string, string[]> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key);
    this.requests.push({
      method,
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
      operationId: matched?.operation.operationId,
      body,
    });

    const failure = this.takeFailure(method, url.pathname);
    if (failure?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (failure?.kind === "hang") return;

    if (!matched) {
      this.mismatches.push(`${method} ${url.pathname} is not an operation of the description`);
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify(grpcError(404, "Not Found").body));
      return;
    }
    const { operation, pathParams } = matched;
    const problems = this.validator.validateRequest(
      operation,
      pathParams,
      url.searchParams,
      body,
      bodyPresent,
    );
    if (bodyProblem) problems.push(bodyProblem);
    let reply: Reply;
    if (problems.length > 0) {
      this.mismatches.push(...problems.map((problem) => `request ${method} ${url.pathname}: ${problem}`));
      reply = grpcError(400, problems.join("; "));
    } else if (failure?.kind === "status") {
      reply = grpcError(failure.status, "injected failure: the server is unavailable");
    } else if (
      this.options.token !== undefined &&
      req.headers.authorization !== `Bearer ${this.options.token}`
    ) {
      reply = grpcError(401, "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/");
    } else {
      reply = this.route(operation, pathParams, url.searchParams, body);
    }
    this.send(res, operation, reply);
  }

  private send(res: ServerResponse, operation: Operation, reply: Reply): void {
    const entries = reply.stream ?? [reply.body];
    for (const entry of entries) {
      for (const problem of this.validator.validateResponse(operation, reply.status, entry)) {
        this.mismatches.push(problem);
      }
    }
    const text = reply.stream
      ? reply.stream.map((entry) => `${JSON.stringify(entry)}\n`).join("")
      : JSON.stringify(reply.body);
    res.writeHead(reply.status, { "content-type": "application/json" }).end(text);
  }

  private route(
    operation: Operation,
    path: Record<string, string>,
    query: URLSearchParams,
    body: unknown,
  ): Reply {
    const namespace = path.namespace as string;
    switch (operation.operationId) {
      case "WorkflowService_SubmitWorkflow":
        return this.submit(namespace, body as WorkflowSubmitRequest);
      case "WorkflowService_CreateWorkflow":
        return this.create(namespace, body as WorkflowCreateRequest);
      case "WorkflowService_ListWorkflows":
        return this.list(namespace, query);
      case "WorkflowService_GetWorkflow": {
        const stored = this.stored(namespace, path.name as string);
        if (!stored) return notFound(path.name as string);
        return { status: 200, body: applyFieldMask(stored.workflow, query.get("fields")) };
      }
      case "WorkflowService_DeleteWorkflow": {
        if (!this.stored(namespace, path.name as string)) return notFound(path.name as string);
        this.store.delete(path.name as string);
        return { status: 200, body: {} };
      }
      case "WorkflowService_WorkflowLogs":
        return this.logs(namespace, path.name as string, query);
      default:
        return grpcError(500, `the emulator does not implement ${operation.operationId}`);
    }
  }

  private stored(namespace: string, name: string): StoredWorkflow | undefined {
    const stored = this.store.get(name);
    return stored?.workflow.metadata.namespace === namespace ? stored : undefined;
  }

  private parseKeyValues(text: string | undefined, what: string): Record<string, string> | string {
    const result: Record<string, string> = {};
    if (!text) return result;
    for (const entry of text.split(",")) {
      const parts = entry.split("=");
      if (parts.length !== 2 || !parts[0]) return `unexpected ${what} spec: ${entry}`;
      result[parts[0]] = parts[1] as string;
    }
    return result;
  }

  private submit(namespace: string, request: WorkflowSubmitRequest): Reply {
    const name = request.resourceName ?? "";
    const kind = request.resourceKind ?? "";
    if (kind !== "WorkflowTemplate" && kind !== "ClusterWorkflowTemplate") {
      return grpcError(400, `resourceKind ${JSON.stringify(kind)} is not supported by the emulator`);
    }
    const declared = this.templates.get(name);
    if (!declared) return grpcError(404, `${kind.toLowerCase()}s.argoproj.io "${name}" not found`);
    const options = request.submitOptions ?? {};
    const labels = this.parseKeyValues(options.labels, "label");
    if (typeof labels === "string") return grpcError(400, labels);
    const annotations = this.parseKeyValues(options.annotations, "annotation");
    if (typeof annotations === "string") return grpcError(400, annotations);
    const parameters: Array<{ name: string; value: string }> = [];
    for (const parameter of options.parameters ?? []) {
      const at = parameter.indexOf("=");
      if (at <= 0)
        return grpcError(400, `expected parameter of the form: NAME=VALUE. Received: ${parameter}`);
      const parameterName = parameter.slice(0, at);
      if (!declared.includes(parameterName)) {
        return grpcError(400, `spec.arguments.${parameterName} was not supplied by the template`);
      }
      parameters.push({ name: parameterName, value: parameter.slice(at + 1) });
    }
    const workflow: Workflow = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Workflow",
      metadata: {
        ...(options.name ? { name: options.name } : { generateName: options.generateName ?? `${name}-` }),
        labels: { ...labels, "workflows.argoproj.io/workflow-template": name },
        annotations,
      },
      spec: {
        arguments: { parameters },
        workflowTemplateRef: { name, ...(kind === "ClusterWorkflowTemplate" ? { clusterScope: true } : {}) },
        ...(options.entryPoint ? { entrypoint: options.entryPoint } : {}),
        ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
      },
    };
    return this.admit(namespace, workflow);
  }

  private create(namespace: string, request: WorkflowCreateRequest): Reply {
    if (!request.workflow) return grpcError(400, "workflow is required");
    if (!request.workflow.spec) return grpcError(400, "workflow.spec is required");
    return this.admit(namespace, structuredClone(request.workflow));
  }

  /** Names it, stamps it and stores it, as the API server and the workflow controller would (phase Pending, no labels). */
  private admit(namespace: string, workflow: Workflow): Reply {
    const metadata = workflow.metadata;
    if (!metadata.name) {
      if (!metadata.generateName) return grpcError(400, "name or generateName is required");
      metadata.name = `${metadata.generateName}${(this.createdCount + 1).toString(36).padStart(5, "0")}`;
    }
    if (this.store.has(metadata.name))
      return grpcError(409, `workflows.argoproj.io "${metadata.name}" already exists`);
    this.createdCount++;
    metadata.namespace = namespace;
    metadata.uid = `00000000-0000-4000-8000-${this.createdCount.toString(16).padStart(12, "0")}`;
    metadata.creationTimestamp = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    metadata.resourceVersion = String(++this.resourceVersion);
    workflow.apiVersion ??= "argoproj.io/v1alpha1";
    workflow.kind ??= "Workflow";
    workflow.status = {};
    this.store.set(metadata.name, { workflow, logs: new Map() });
    return { status: 200, body: workflow };
  }

  private list(namespace: string, query: URLSearchParams): Reply {
    let matches: (labels: Record<string, string>) => boolean;
    try {
      matches = parseLabelSelector(query.get("listOptions.labelSelector") ?? "");
    } catch (error) {
      return grpcError(400, (error as Error).message);
    }
    const limit = Number(query.get("listOptions.limit") ?? "0");
    const token = query.get("listOptions.continue");
    let after = "";
    if (token) {
      after = Buffer.from(token, "base64url").toString("utf8");
      if (!after) return grpcError(400, "invalid continue token");
    }
    const selected = [...this.store.values()]
      .map((stored) => stored.workflow)
      .filter(
        (workflow) => workflow.metadata.namespace === namespace && matches(workflow.metadata.labels ?? {}),
      )
      .sort((a, b) => (a.metadata.name as string).localeCompare(b.metadata.name as string))
      .filter((workflow) => (workflow.metadata.name as string) > after);
    const page = limit > 0 ? selected.slice(0, limit) : selected;
    const more = page.length < selected.length;
    const last = page.at(-1)?.metadata.name;
    const list: WorkflowList = {
      metadata: {
        resourceVersion: String(this.resourceVersion),
        ...(more && last ? { continue: Buffer.from(last, "utf8").toString("base64url") } : {}),
      },
      // Like the real server (a Go nil slice): null, not [], when the page is empty.
      items: page.length > 0 ? structuredClone(page) : null,
    };
    return { status: 200, body: applyFieldMask(list, query.get("fields")) };
  }

  private logs(namespace: string, name: string, query: URLSearchParams): Reply {
    const stored = this.stored(namespace, name);
    if (!stored) return notFound(name);
    const container = query.get("logOptions.container");
    const containers = container ? [container] : [...stored.logs.keys()];
    const podName = `${name}-main-1`;
    const stream = containers.flatMap((key) =>
      (stored.logs.get(key) ?? []).map((content) => ({ result: { content, podName } })),
    );
    return { status: 200, stream };
  }
}
