import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { QueueMetrics } from "@task-queue/metrics";
import type { Logger } from "@task-queue/queue-core";

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The controller's own small HTTP server: GET /metrics (Prometheus text) and GET /healthz (200 while `healthy()`,
 * else 503). Nothing else: the controller has no API.
 */
export function startMetricsServer(
  metrics: QueueMetrics,
  listen: { host: string; port: number },
  healthy: () => boolean,
  logger: Logger,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://metrics").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/metrics") {
      metrics.render().then(
        (text) => response.writeHead(200, { "content-type": metrics.contentType }).end(text),
        (error: unknown) => {
          logger.warn({ err: error }, "metrics scrape failed");
          response.writeHead(503, { "content-type": "text/plain" }).end("metrics unavailable\n");
        },
      );
    } else if (path === "/healthz") {
      const ok = healthy();
      response
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ok ? "ok" : "stopping" }));
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: /metrics or /healthz\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => {
      const info = server.address() as AddressInfo;
      const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
