import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "@task-queue/api-server";
import type { ServerMetrics } from "@task-queue/metrics";
import type { Logger, QueueNamespace } from "@task-queue/queue-core";
import { itemLabelValue, LABEL_ITEM_ID } from "@task-queue/worker-argo";
import type { Settings } from "./config/schema.js";

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /**
   * Starts the shutdown: /readyz answers 503 from now on while requests are still served; resolves after
   * SHUTDOWN_DELAY_SECONDS, the time load balancers (a Kubernetes Service's endpoints) take to stop sending new ones.
   */
  drain(): Promise<void>;
  /**
   * Stops accepting connections and resolves when in-flight requests have finished, or, at SHUTDOWN_TIMEOUT_SECONDS,
   * closes the connections still open (a client sending its body slowly must not hold the process for ever).
   */
  close(): Promise<void>;
}

/**
 * Serves the API (api-server's Hono app) with the Node adapter, on HOST:PORT, with TASK_QUEUE_TOKEN when set.
 * `queues` is the namespace as opened (the app counts its moves in `metrics`, which /metrics serves).
 */
export function startHttpServer(
  queues: QueueNamespace,
  settings: Settings,
  logger: Logger,
  metrics: ServerMetrics,
): Promise<RunningServer> {
  let draining = false;
  const app = createApp({
    shuttingDown: () => draining,
    queues,
    metrics,
    defaultQueue: settings.sql_queue_name,
    ...(settings.token ? { auth: { token: settings.token } } : {}),
    logger,
    readyTimeoutMs: Math.max(1, Math.round(settings.ready_timeout_seconds * 1000)),
    callbacks: { allowedHosts: settings.callback_allowed_hosts },
    ...(settings.argo_ui_url === undefined ? {} : { workflowUrl: argoWorkflowLink(settings.argo_ui_url) }),
  });
  return new Promise((resolve, reject) => {
    let closing = false;
    const server = serve(
      { fetch: app.fetch, hostname: settings.host, port: settings.port },
      (info: AddressInfo) => {
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${host}:${info.port}`,
          drain: () => {
            draining = true;
            const delayMs = settings.shutdown_delay_seconds * 1000;
            logger.info({ delayMs }, "shutting down: /readyz answers 503, requests are still served");
            return new Promise((done) => setTimeout(done, delayMs));
          },
          close: () =>
            new Promise<void>((done) => {
              closing = true;
              const timeoutMs = settings.shutdown_timeout_seconds * 1000;
              const deadline = setTimeout(() => {
                logger.warn({ timeoutMs }, "shutdown deadline passed: closing the connections still open");
                if ("closeAllConnections" in server) server.closeAllConnections();
              }, timeoutMs);
              // close() waits for in-flight requests; idle keep-alive sockets would hold it open until they time out.
              server.close(() => {
                clearTimeout(deadline);
                done();
              });
              if ("closeIdleConnections" in server) server.closeIdleConnections();
            }),
        });
      },
    );
    // While closing, a connection whose last response has gone is closed at once instead of kept alive.
    server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
      if (closing && !response.headersSent) response.setHeader("connection", "close");
      response.once("finish", () => {
        if (closing && "closeIdleConnections" in server) setImmediate(() => server.closeIdleConnections());
      });
    });
    server.once("error", reject);
  });
}

/**
 * The Argo UI's list of an item's workflows: filtered by the label the Argo worker puts on each workflow it starts
 * (the id, or its hash when Kubernetes refuses the id as a label value), so retried items show every attempt.
 */
function argoWorkflowLink(listUrl: string): (queue: string, itemId: string) => string {
  return (_queue, itemId) =>
    `${listUrl}?${new URLSearchParams({ label: `${LABEL_ITEM_ID}=${itemLabelValue(itemId)}` })}`;
}
