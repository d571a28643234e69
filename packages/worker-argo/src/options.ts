import { readFileSync } from "node:fs";
import { InvalidArgument, type Logger, silentLogger } from "@task-queue/queue-core";
import { isValidLabelValue } from "./labels.js";

export interface ArgoTlsOptions {
  /** PEM file of the CA that signed the server's certificate. */
  caFile?: string;
  /** PEM text of that CA (instead of caFile). */
  ca?: string;
  /** Accept any certificate. Only for test setups; must be asked for explicitly. */
  insecureSkipVerify?: boolean;
}

export interface ArgoRetryOptions {
  /** Attempts per request, the first included (default 3; 1 disables retries). */
  attempts?: number;
  /** Delay before the first retry, doubled each time (default 200 ms). */
  initialDelayMs?: number;
  /** Upper bound of one delay (default 5000 ms). */
  maxDelayMs?: number;
}

export interface ArgoWorkerOptions {
  /** The Argo Server, e.g. https://argo-server.argo:2746 (no trailing /api). */
  serverUrl: string;
  /** Kubernetes namespace the workflows run in. */
  namespace: string;
  /** This worker's id: the `work-queue.interface-id` label value; must be a valid label value. */
  interfaceId: string;
  /** Bearer token (a service-account token) for `--auth-mode=client`; omit for `--auth-mode=server`. */
  token?: string;
  tls?: ArgoTlsOptions;
  /** Per-request timeout, connection to last body byte (default 30000 ms). */
  timeoutMs?: number;
  retry?: ArgoRetryOptions;
  /** Workflows asked for per list page in pollAllStatus (default 500). */
  pageSize?: number;
  logger?: Logger;
}

export interface ResolvedArgoOptions {
  serverUrl: string;
  namespace: string;
  interfaceId: string;
  token: string | undefined;
  tls: { ca: string | undefined; rejectUnauthorized: boolean };
  timeoutMs: number;
  retry: Required<ArgoRetryOptions>;
  pageSize: number;
  logger: Logger;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgument(name, "must be a positive integer");
  return value;
}

function resolveTls(tls: ArgoTlsOptions | undefined): ResolvedArgoOptions["tls"] {
  if (!tls) return { ca: undefined, rejectUnauthorized: true };
  const sources = [tls.caFile, tls.ca].filter((source) => source !== undefined).length;
  if (sources > 1) throw new InvalidArgument("tls", "give either caFile or ca, not both");
  if (sources > 0 && tls.insecureSkipVerify) {
    throw new InvalidArgument("tls", "a CA and insecureSkipVerify exclude each other");
  }
  const ca = tls.caFile !== undefined ? readFileSync(tls.caFile, "utf8") : tls.ca;
  return { ca, rejectUnauthorized: tls.insecureSkipVerify !== true };
}

export function resolveOptions(options: ArgoWorkerOptions): ResolvedArgoOptions {
  let url: URL;
  try {
    url = new URL(options.serverUrl);
  } catch {
    throw new InvalidArgument("serverUrl", `not a URL: ${JSON.stringify(options.serverUrl)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgument("serverUrl", "must be http: or https:");
  }
  if (url.username || url.password) throw new InvalidArgument("serverUrl", "must not carry credentials");
  if (!options.namespace) throw new InvalidArgument("namespace", "is required");
  if (!options.interfaceId || !isValidLabelValue(options.interfaceId)) {
    throw new InvalidArgument(
      "interfaceId",
      "must be a Kubernetes label value (at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends)",
    );
  }
  return {
    serverUrl: url.href.replace(/\/+$/, ""),
    namespace: options.namespace,
    interfaceId: options.interfaceId,
    token: options.token === "" ? undefined : options.token,
    tls: resolveTls(options.tls),
    timeoutMs: positiveInteger("timeoutMs", options.timeoutMs, 30_000),
    retry: {
      attempts: positiveInteger("retry.attempts", options.retry?.attempts, 3),
      initialDelayMs: positiveInteger("retry.initialDelayMs", options.retry?.initialDelayMs, 200),
      maxDelayMs: positiveInteger("retry.maxDelayMs", options.retry?.maxDelayMs, 5_000),
    },
    pageSize: positiveInteger("pageSize", options.pageSize, 500),
    logger: options.logger ?? silentLogger,
  };
}
