import type { ItemId, JsonValue, Logger, QueueItemStage, QueueWorker } from "@task-queue/queue-core";
import createClient, { type Client } from "openapi-fetch";
import { jobRequest } from "./body.js";
import { apiErrorFrom } from "./errors.js";
import type { paths } from "./generated/argo.js";
import {
  ANNOTATION_ITEM_ID,
  escapeAnnotationValue,
  itemLabelValue,
  LABEL_INTERFACE_ID,
  LABEL_ITEM_ID,
} from "./labels.js";
import { type ArgoWorkerOptions, type ResolvedArgoOptions, resolveOptions } from "./options.js";
import { NewestWorkflows, POLL_FIELDS } from "./status.js";
import { createTransport, type Transport } from "./transport.js";
import type { LogEntry, StreamError, Workflow } from "./types.js";

/** Containers whose logs deleteJob collects: the user's step, Argo's wait sidecar and its init container. */
export const LOG_CONTAINERS = ["main", "wait", "init"] as const;

/** The fields deleteJob needs to find an item's workflows. */
const FIND_FIELDS = "metadata.continue,items.metadata.name,items.metadata.annotations";

/** Runs queue items as Argo Workflows through the Argo Server REST API. */
export class ArgoWorkflowsWorker implements QueueWorker {
  private readonly options: ResolvedArgoOptions;
  private readonly transport: Transport;
  private readonly client: Client<paths>;
  private readonly logger: Logger;
  /** Why each failed item's newest workflow failed, as of the last poll. */
  private failures = new Map<ItemId, string>();

  constructor(options: ArgoWorkerOptions) {
    this.options = resolveOptions(options);
    this.logger = this.options.logger;
    this.transport = createTransport(this.options);
    this.client = createClient<paths>({
      baseUrl: this.options.serverUrl,
      fetch: this.transport.fetch,
      headers: this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {},
    });
  }

  async sendJob(id: ItemId, body: JsonValue): Promise<void> {
    const request = jobRequest(id, this.options.interfaceId, body);
    const namespace = { namespace: this.options.namespace };
    const result =
      request.kind === "submit"
        ? await this.client.POST("/api/v1/workflows/{namespace}/submit", {
            params: { path: namespace },
            body: request.body,
          })
        : await this.client.POST("/api/v1/workflows/{namespace}", {
            params: { path: namespace },
            body: request.body,
          });
    if (result.error !== undefined || !result.data) {
      throw apiErrorFrom(
        `${request.kind} workflow for item ${JSON.stringify(id)}`,
        result.response.status,
        result.error,
      );
    }
    this.logger.info(
      { item_id: id, workflow: result.data.metadata.name, namespace: this.options.namespace },
      "Argo workflow started",
    );
  }

  /** Every workflow matching `labelSelector`, following `continue` pages; a null `items` is an empty page. */
  private async *listWorkflows(labelSelector: string, fields: string): AsyncGenerator<Workflow> {
    let continueToken: string | undefined;
    do {
      const { data, error, response } = await this.client.GET("/api/v1/workflows/{namespace}", {
        params: {
          path: { namespace: this.options.namespace },
          query: {
            "listOptions.labelSelector": labelSelector,
            "listOptions.limit": String(this.options.pageSize),
            ...(continueToken ? { "listOptions.continue": continueToken } : {}),
            fields,
          },
        },
      });
      if (error !== undefined || !data) throw apiErrorFrom("list workflows", response.status, error);
      yield* data.items ?? [];
      continueToken = data.metadata?.continue || undefined;
    } while (continueToken);
  }

  async pollAllStatus(): Promise<Map<ItemId, QueueItemStage>> {
    const newest = new NewestWorkflows();
    for await (const workflow of this.listWorkflows(
      `${LABEL_INTERFACE_ID}=${this.options.interfaceId}`,
      POLL_FIELDS,
    )) {
      newest.add(workflow);
    }
    this.failures = newest.failures();
    return newest.stages();
  }

  /** The failed workflow's name, phase and message (status.message), as of the last pollAllStatus. */
  lastError(id: ItemId): string | undefined {
    return this.failures.get(id);
  }

  /** The names of an item's workflows (several when it was requeued); the annotation rules out hash collisions. */
  private async workflowNames(id: ItemId): Promise<string[]> {
    const selector = `${LABEL_INTERFACE_ID}=${this.options.interfaceId},${LABEL_ITEM_ID}=${itemLabelValue(id)}`;
    const names: string[] = [];
    for await (const workflow of this.listWorkflows(selector, FIND_FIELDS)) {
      const annotation = workflow.metadata.annotations?.[ANNOTATION_ITEM_ID];
      if (annotation !== undefined && annotation !== escapeAnnotationValue(id)) continue;
      if (workflow.metadata.name) names.push(workflow.metadata.name);
    }
    return names;
  }

  /** Hands one container's log lines to the logger; a failure to read logs never blocks the delete. */
  private async collectLogs(id: ItemId, workflow: string, container: string): Promise<void> {
    const { data, error, response } = await this.client.GET("/api/v1/workflows/{namespace}/{name}/log", {
      params: {
        path: { namespace: this.options.namespace, name: workflow },
        query: { "logOptions.container": container },
      },
      parseAs: "text",
    });
    if (error !== undefined || data === undefined) {
      const failure = apiErrorFrom(`logs of ${workflow}`, response.status, error);
      this.logger.warn(
        { item_id: id, workflow, container, error: failure.message },
        "could not fetch workflow logs",
      );
      return;
    }
    for (const line of data.split("\n")) {
      if (line.trim() === "") continue;
      let entry: { result?: LogEntry; error?: StreamError };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        this.logger.warn(
          { item_id: id, workflow, container, line: line.slice(0, 500) },
          "unreadable log line",
        );
        continue;
      }
      if (entry.error) {
        this.logger.warn(
          { item_id: id, workflow, container, error: entry.error.message },
          "workflow log stream error",
        );
      } else if (entry.result) {
        this.logger.info(
          { item_id: id, workflow, container, podName: entry.result.podName, content: entry.result.content },
          "workflow log",
        );
      }
    }
  }

  async deleteJob(id: ItemId): Promise<void> {
    for (const name of await this.workflowNames(id)) {
      for (const container of LOG_CONTAINERS) await this.collectLogs(id, name, container);
      const { error, response } = await this.client.DELETE("/api/v1/workflows/{namespace}/{name}", {
        params: { path: { namespace: this.options.namespace, name } },
      });
      if (response.status === 404) continue;
      if (error !== undefined) throw apiErrorFrom(`delete workflow ${name}`, response.status, error);
      this.logger.info({ item_id: id, workflow: name }, "Argo workflow deleted");
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
