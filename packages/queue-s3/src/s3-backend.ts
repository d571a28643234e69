import { S3Client } from "@aws-sdk/client-s3";
import {
  InvalidArgument,
  type JsonValue,
  type Logger,
  RescueObservers,
  silentLogger,
} from "@task-queue/queue-core";
import { probeStore, type StoreCapabilities } from "./conditional-writes.js";
import { Limiter } from "./limiter.js";
import { DEFAULT_MAX_PARALLEL, type S3ConnectionOptions } from "./options.js";
import { parseS3Path, type S3Location } from "./s3-path.js";
import { S3Store } from "./s3-store.js";

/** An endpoint without any user:password part, fit for descriptions and logs. */
function publicEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return "(unparseable endpoint)";
  }
}

/**
 * What the queues under one base path share: the client, the request limit, and the answer to whether the store
 * enforces conditional writes (asked once).
 */
export class S3Backend {
  readonly store: S3Store;
  readonly location: S3Location;
  readonly logger: Logger;
  readonly maxParallel: number;
  /** Who is told of rescues of expired leases, by any queue on this backend. */
  readonly rescueObservers = new RescueObservers();
  private readonly ownsClient: boolean;
  private probe: Promise<StoreCapabilities> | undefined;
  private closed = false;

  constructor(private readonly options: S3ConnectionOptions) {
    this.location = parseS3Path(options.basePath);
    this.maxParallel = options.maxParallel ?? DEFAULT_MAX_PARALLEL;
    if (!Number.isInteger(this.maxParallel) || this.maxParallel < 1) {
      throw new InvalidArgument("maxParallel", `must be a positive integer, got ${this.maxParallel}`);
    }
    this.logger = options.logger ?? silentLogger;
    this.ownsClient = options.client === undefined;
    const client =
      options.client ??
      new S3Client({
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(options.region !== undefined
          ? { region: options.region }
          : options.endpoint !== undefined
            ? { region: "us-east-1" }
            : {}),
        ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      });
    this.store = new S3Store(client, this.location.bucket, new Limiter(this.maxParallel));
  }

  /** What the store enforces; probed on first use, with a warning for each condition it ignores. */
  capabilities(): Promise<StoreCapabilities> {
    this.probe ??= probeStore(this.store, this.location.prefix).then((found) => {
      if (!found.conditionalWrites) {
        this.logger.warn(
          { basePath: this.options.basePath },
          "S3 store ignores conditional writes (If-None-Match): claims are serialised within this process only, so only one consumer process is safe",
        );
      }
      if (!found.conditionalDeletes) {
        this.logger.warn(
          { basePath: this.options.basePath },
          "S3 store ignores conditional deletes (If-Match): a move re-reads its source just before deleting it, so a newer state written in that round trip by another process can still be lost",
        );
      }
      return found;
    });
    // A failed probe (store unreachable) is asked again next time rather than remembered.
    this.probe.catch(() => {
      this.probe = undefined;
    });
    return this.probe;
  }

  /** Whether claims are safe across processes (see capabilities). */
  async conditionalWrites(): Promise<boolean> {
    return (await this.capabilities()).conditionalWrites;
  }

  /** The configuration, without credentials. */
  describe(): Record<string, JsonValue> {
    return {
      base_path: this.options.basePath,
      endpoint: this.options.endpoint === undefined ? null : publicEndpoint(this.options.endpoint),
      region: this.options.region ?? null,
      force_path_style: this.options.forcePathStyle ?? false,
      max_parallel: this.maxParallel,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.store.client.destroy();
  }
}
