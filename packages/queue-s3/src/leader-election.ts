import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { InvalidArgument, type LeaderElection } from "@task-queue/queue-core";
import type { S3ConnectionOptions } from "./options.js";
import { assertS3QueueName } from "./queue-name.js";
import { S3Backend } from "./s3-backend.js";
import { joinKey, parseS3Path } from "./s3-path.js";
import type { WriteCondition } from "./s3-store.js";

/**
 * A standby whose watched lease runs out within this share of a lease waits for it inside acquire: more than the
 * half lease between two controller ticks, less than a whole one.
 */
const TAKEOVER_WAIT_SHARE = 0.6;

export interface S3LeaderElectionOptions extends S3ConnectionOptions {
  /** The queue (default "default"). */
  queueName?: string;
  /** How long a lease holds without renewal, in ms; the controller renews every period and uses 2 × period. */
  leaseMs: number;
}

/** The lease object's content. Each write changes it (term), so each write gives a new ETag. */
interface LeaseRecord {
  /** The contender's id; null once released. */
  holder: string | null;
  host: string;
  pid: number;
  term: number;
  leaseMs: number;
  writtenAt: string;
}

function parseLease(text: string): Partial<LeaseRecord> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Partial<LeaseRecord>) : {};
  } catch {
    return {};
  }
}

/**
 * Leadership through a lease object, `<prefix>/.task-queue-leader/<queue>.json`, written only with conditional
 * writes: If-None-Match: * creates it, If-Match on the ETag last read renews or takes it over, so of two writers
 * racing for one version exactly one succeeds. The leader rewrites it every tick (renew).
 *
 * Expiry needs no shared clock (the scheme of Kubernetes' leader election): a standby notes when it first saw the
 * lease's current ETag, and takes the lease over once that ETag has stayed the same for the lease's duration. The
 * leader counts its term from before it sent the write, so its term always ends before a standby can take over.
 * A released lease (holder null) is taken at once.
 *
 * Takeover: a standby ticking every half lease first sees the last renewal at most half a lease after it, and takes
 * the lease exactly one lease after that (acquire waits out the last part itself), so within 1.5 leases of the last
 * renewal, whatever the phase of the two controllers' ticks.
 *
 * Costs: one GET per standby tick, one PUT per leader tick; taking the lease costs a GET, a PUT and a GET (the
 * read-back), plus one GET after the wait.
 * Safe only where the store enforces conditional writes (AWS S3, MinIO, moto); elsewhere a warning is logged.
 */
export class S3LeaderElection implements LeaderElection {
  readonly description: string;
  private readonly key: string;
  private readonly id = randomUUID();
  private readonly leaseMs: number;
  private backend: S3Backend | null = null;
  private term = 0;
  /** The ETag of the lease this contender wrote last; null when it does not hold it. */
  private etag: string | null = null;
  /** performance.now() until which this contender's term holds. */
  private validUntil = 0;
  /** The lease version a standby watches, and since when (performance.now()). */
  private observed: { etag: string; since: number } | null = null;
  /** Ends a standby's wait for a lease about to run out (see acquire). */
  private cancelPause: (() => void) | null = null;

  constructor(private readonly options: S3LeaderElectionOptions) {
    if (!(options.leaseMs > 0)) throw new InvalidArgument("leaseMs", `must be > 0, got ${options.leaseMs}`);
    this.leaseMs = options.leaseMs;
    const queueName = options.queueName ?? "default";
    assertS3QueueName(queueName);
    const { bucket, prefix } = parseS3Path(options.basePath);
    this.key = joinKey(prefix, ".task-queue-leader", `${queueName}.json`);
    this.description = `S3 lease s3://${bucket}/${this.key} (${options.leaseMs} ms)`;
  }

  isLeader(): boolean {
    return this.etag !== null && performance.now() < this.validUntil;
  }

  async acquire(): Promise<boolean> {
    const backend = await this.open();
    const current = await backend.store.getTagged(this.key);
    const seenAt = performance.now();
    if (current === null) return this.write({ ifNoneMatch: "*" });
    const lease = parseLease(current.text);
    // Ours (a renewal whose answer was lost), released, or unchanged for a whole lease: take it.
    if (lease.holder === this.id || lease.holder === null) return this.write({ ifMatch: current.etag });
    this.etag = null;
    if (this.observed?.etag !== current.etag) {
      this.observed = { etag: current.etag, since: seenAt };
      return false;
    }
    const leaseMs = typeof lease.leaseMs === "number" && lease.leaseMs > 0 ? lease.leaseMs : this.leaseMs;
    const remaining = this.observed.since + leaseMs - seenAt;
    if (remaining <= 0) return this.write({ ifMatch: current.etag });
    // The controller ticks every half lease. A lease that runs out before the next tick (allowing for the jitter of
    // that tick) is waited for here and looked at again, rather than left to that tick or, when the tick comes a
    // little early, to the one after: so a standby takes over one lease after it first saw the last renewal, within
    // 1.5 leases of it, not 2 or more.
    if (remaining > leaseMs * TAKEOVER_WAIT_SHARE) return false;
    if (!(await this.pause(remaining))) return false;
    return this.acquire();
  }

  /** Waits `ms`; false when release() came meanwhile (then nothing more may be done). */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.cancelPause = null;
        resolve(true);
      }, ms);
      this.cancelPause = () => {
        clearTimeout(timer);
        this.cancelPause = null;
        resolve(false);
      };
    });
  }

  /** Rewrites the lease on the version this contender wrote; false when someone else wrote since. */
  async renew(): Promise<boolean> {
    if (this.etag === null) return false;
    return this.write({ ifMatch: this.etag });
  }

  /** Marks the lease released (so a standby takes it at once) and closes the client; errors are the caller's. */
  async release(): Promise<void> {
    this.cancelPause?.();
    const etag = this.etag;
    this.etag = null;
    const backend = this.backend;
    this.backend = null;
    if (backend === null) return;
    try {
      if (etag !== null) await backend.store.putIf(this.key, this.record(null), { ifMatch: etag });
    } finally {
      await backend.close();
    }
  }

  private async open(): Promise<S3Backend> {
    if (this.backend !== null) return this.backend;
    const backend = new S3Backend(this.options);
    if (!(await backend.conditionalWrites())) {
      backend.logger.warn(
        { lease: this.description },
        "S3 store ignores conditional writes: leader election cannot keep a second controller out",
      );
    }
    this.backend = backend;
    return backend;
  }

  private record(holder: string | null): string {
    const lease: LeaseRecord = {
      holder,
      host: hostname(),
      pid: process.pid,
      term: ++this.term,
      leaseMs: this.leaseMs,
      writtenAt: new Date().toISOString(),
    };
    return JSON.stringify(lease);
  }

  private async write(condition: WriteCondition): Promise<boolean> {
    const backend = await this.open();
    const sentAt = performance.now();
    let etag = await backend.store.putIf(this.key, this.record(this.id), condition);
    // Taking the lease (not renewing it): read it back, so that on a store whose conditional writes are not atomic
    // (moto checks, then writes) a writer that raced us and wrote last is the only one to lead.
    if (etag !== null && this.etag === null && (await backend.store.getTagged(this.key))?.etag !== etag)
      etag = null;
    this.etag = etag;
    this.observed = null;
    if (etag === null) return false;
    this.validUntil = sentAt + this.leaseMs;
    return true;
  }
}
