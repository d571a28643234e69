import {
  DEFAULT_MAX_BODY_DEPTH,
  InvalidArgument,
  type Logger,
  MAX_BODY_DEPTH_CEILING,
  MAX_GET_N,
  observeNamespace,
  type QueueNamespace,
  type QueueObserver,
  traceNamespace,
} from "@task-queue/queue-core";

export interface ApiLimits {
  /** Largest request body accepted, in bytes (default 16 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Upper bound on n_items for get and peek (default queue-core MAX_GET_N). */
  maxItems?: number;
  /**
   * Deepest nesting of an item body (default queue-core DEFAULT_MAX_BODY_DEPTH, 256): deeper JSON is rejected
   * before it is parsed. Keep it equal to the queue's own limit (BodyLimits.maxDepth).
   */
  maxBodyDepth?: number;
  /** Most arrays and objects in one request body (default 250,000): bounds the time JSON.parse can take. */
  maxJsonContainers?: number;
}

export interface AppOptions {
  /** The backend's queues; `/api/v1/queues/{queue_name}/…` serves `queues.queue(queue_name)`. */
  queues: QueueNamespace;
  /** The queue served under `/api/v1/queue/…` (default "default"). */
  defaultQueue?: string;
  /** When set, every route but /healthz (and the dashboard's static files) needs `Authorization: Bearer <token>`. */
  auth?: { token: string };
  limits?: ApiLimits;
  /** Request logs and unexpected errors go here (a pino logger fits). Default: silent. */
  logger?: Logger;
  /** Throws when storage is not reachable; backs /readyz. Default: reads the default queue's sizes. */
  ready?: () => Promise<void>;
  /**
   * Time limit of that check in ms (default 1000): a database that does not answer (a partition, a frozen server)
   * makes /readyz answer 503 after this long instead of waiting for the driver's own time-outs.
   */
  readyTimeoutMs?: number;
  /**
   * True once the process is shutting down: /readyz answers 503 (without checking storage) so a load balancer takes
   * the instance out of rotation while it still serves requests. Default: never.
   */
  shuttingDown?: () => boolean;
  /**
   * What /metrics serves, and where the served queues' puts and moves and the requests are counted: ServerMetrics from
   * @task-queue/metrics (prom-client). Without it /metrics answers an empty exposition: this package stays free of
   * Node built-ins, so it bundles for any runtime.
   */
  metrics?: AppMetrics;
  /** Completion callbacks: notify URLs to hosts outside `allowedHosts` (`*.example.com` for subdomains) get 422. Default: any host. */
  callbacks?: { allowedHosts?: readonly string[] };
  /**
   * Where people see an item's job in the execution engine (the Argo UI's view of its workflow): the item record
   * carries it as `workflow_url` and the console's item page links to it. Null or absent: no link.
   */
  workflowUrl?: (queue: string, itemId: string) => string | null;
}

/** The metrics an app feeds and serves (ServerMetrics from @task-queue/metrics is one). */
export interface AppMetrics extends QueueObserver {
  readonly contentType: string;
  /** The exposition served at /metrics. */
  render(): Promise<string>;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_JSON_CONTAINERS = 250_000;

export interface ResolvedOptions {
  /** The namespace given, observed by `metrics`. */
  queues: QueueNamespace;
  metrics: AppMetrics | null;
  defaultQueue: string;
  token: string | null;
  maxBodyBytes: number;
  maxItems: number;
  maxBodyDepth: number;
  maxJsonContainers: number;
  logger: Logger;
  ready: () => Promise<void>;
  readyTimeoutMs: number;
  shuttingDown: () => boolean;
  callbackHosts: readonly string[];
  workflowUrl: (queue: string, itemId: string) => string | null;
}

export const DEFAULT_READY_TIMEOUT_MS = 1_000;

export function resolveOptions(options: AppOptions, silent: Logger): ResolvedOptions {
  const defaultQueue = options.defaultQueue ?? "default";
  const metrics = options.metrics ?? null;
  // Counted, and traced (a span per queue operation, a no-op until the application registers an SDK).
  const queues = traceNamespace(
    metrics === null ? options.queues : observeNamespace(options.queues, metrics),
  );
  const maxItems = options.limits?.maxItems ?? MAX_GET_N;
  if (!Number.isInteger(maxItems) || maxItems < 1)
    throw new InvalidArgument("limits.maxItems", `must be a positive integer, got ${maxItems}`);
  const maxBodyBytes = options.limits?.maxBodyBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new InvalidArgument("limits.maxBodyBytes", `must be a positive integer, got ${maxBodyBytes}`);
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  if (!Number.isInteger(readyTimeoutMs) || readyTimeoutMs < 1)
    throw new InvalidArgument("readyTimeoutMs", `must be a positive integer, got ${readyTimeoutMs}`);
  const maxBodyDepth = options.limits?.maxBodyDepth ?? DEFAULT_MAX_BODY_DEPTH;
  if (!Number.isInteger(maxBodyDepth) || maxBodyDepth < 1 || maxBodyDepth > MAX_BODY_DEPTH_CEILING) {
    throw new InvalidArgument(
      "limits.maxBodyDepth",
      `must be an integer from 1 to ${MAX_BODY_DEPTH_CEILING}, got ${maxBodyDepth}`,
    );
  }
  const maxJsonContainers = options.limits?.maxJsonContainers ?? DEFAULT_MAX_JSON_CONTAINERS;
  if (!Number.isInteger(maxJsonContainers) || maxJsonContainers < 1) {
    throw new InvalidArgument(
      "limits.maxJsonContainers",
      `must be a positive integer, got ${maxJsonContainers}`,
    );
  }
  if (options.auth && options.auth.token.length === 0)
    throw new InvalidArgument("auth.token", "must not be empty");
  return {
    queues,
    metrics,
    defaultQueue,
    token: options.auth?.token ?? null,
    maxBodyBytes,
    maxItems,
    maxBodyDepth,
    maxJsonContainers,
    logger: options.logger ?? silent,
    ready:
      options.ready ??
      (async () => {
        await queues.queue(defaultQueue).sizes();
      }),
    readyTimeoutMs,
    shuttingDown: options.shuttingDown ?? (() => false),
    callbackHosts: options.callbacks?.allowedHosts ?? [],
    workflowUrl: options.workflowUrl ?? (() => null),
  };
}
