import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ApiClient } from "@task-queue/api-client";
import { createApp } from "@task-queue/api-server";
import { InMemoryLeaderElection, type QueueNamespace } from "@task-queue/queue-core";
import { DummyWorker } from "@task-queue/queue-core/testing";
import { S3QueueNamespace } from "@task-queue/queue-s3";
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from "@task-queue/queue-s3/testing";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { controllerQueueMetrics, createServiceLoop } from "../src/wiring/controller.js";

/** What an application does to trace: a tracer provider (here exporting to memory) and a context manager. */
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** A backend the put's trace context must survive in: where it keeps it (SQL: a column; S3: object metadata). */
interface Backend {
  name: string;
  open: () => Promise<QueueNamespace>;
  cleanUp: () => Promise<void>;
}

const table = randomTableName("tq_trace");
let s3: RunningS3rver | undefined;
const BACKENDS: Backend[] = [
  {
    name: "SQL: a trace_context column",
    open: async () => SqlQueueNamespace.open({ connection: await testDatabaseUrl(), tableName: table }),
    cleanUp: async () => dropQueueTable(await testDatabaseUrl(), table),
  },
  {
    name: "S3 on s3rver: object metadata",
    open: async () => {
      s3 = await startS3rver("tq-trace");
      return new S3QueueNamespace({
        basePath: `s3://tq-trace/run-${Date.now()}`,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
      });
    },
    cleanUp: async () => s3?.stop(),
  },
];

describe.each(BACKENDS)(
  "OpenTelemetry spans: HTTP request, queue operations, controller tick, worker submission ($name)",
  (backend) => {
    let namespace: QueueNamespace;
    let server: ReturnType<typeof serve>;
    let baseUrl: string;

    beforeAll(async () => {
      exporter.reset();
      namespace = await backend.open();
      const app = createApp({ queues: namespace });
      baseUrl = await new Promise<string>((resolve) => {
        server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) =>
          resolve(`http://127.0.0.1:${info.port}`),
        );
      });
    });

    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
      await namespace?.close();
      await backend.cleanUp();
    });

    it("stores the put's trace context with the item and links the job's span to it", async () => {
      const client = new ApiClient({ baseUrl }).queue("jobs");
      await client.putJobs([{ id: "traced", body: { n: 1 } }]);

      const { settings } = loadConfig({
        groups: ["queue", "worker", "controller"],
        flags: {},
        env: {
          SQL_QUEUE_CONNECTION_STRING: "postgres://unused",
          SQL_QUEUE_NAME: "jobs",
          WORKER_INTERFACE: "process",
          PATH_TO_SCRIPTS: "/",
        },
      });
      const queue = namespace.queue("jobs");
      const worker = new DummyWorker();
      const loop = createServiceLoop(
        queue,
        worker,
        new InMemoryLeaderElection(namespace),
        settings,
        pino({ level: "silent" }),
        controllerQueueMetrics(queue, settings),
      );
      await loop.runOnce();
      expect(worker.jobs.has("traced")).toBe(true);

      const spans = exporter.getFinishedSpans();
      const named = (name: string) => spans.filter((span) => span.name === name);
      const [request] = spans.filter(
        (s) => s.kind === SpanKind.SERVER && s.attributes["url.path"] === "/api/v1/queues/jobs/put_jobs",
      );
      expect(request, spans.map((s) => s.name).join(", ")).toBeDefined();
      expect(request!.attributes["http.response.status_code"]).toBe(200);
      expect(request!.name).toBe(`POST ${request!.attributes["http.route"]}`);

      const [put] = named("queue.putJobs");
      expect(put!.attributes["task_queue.queue"]).toBe("jobs");
      expect(parentOf(put!)).toBe(request!.spanContext().spanId);
      expect(put!.spanContext().traceId).toBe(request!.spanContext().traceId);

      const [tick] = named("controller.tick");
      expect(tick!.attributes["task_queue.released"]).toBe(1);
      const [take] = named("queue.getJobs");
      expect(parentOf(take!)).toBe(tick!.spanContext().spanId);

      const [submit] = named("worker.submit");
      expect(submit!.kind).toBe(SpanKind.PRODUCER);
      expect(submit!.attributes["task_queue.item_id"]).toBe("traced");
      expect(parentOf(submit!)).toBe(tick!.spanContext().spanId);
      // The job runs in the controller's trace and links back to the put, through the trace context the item kept.
      expect(submit!.spanContext().traceId).not.toBe(put!.spanContext().traceId);
      expect(submit!.links.map((link) => link.context)).toEqual([
        expect.objectContaining({ traceId: put!.spanContext().traceId, spanId: put!.spanContext().spanId }),
      ]);
    });
  },
);
