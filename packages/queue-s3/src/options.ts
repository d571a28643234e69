import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type { Logger } from "@task-queue/queue-core";

/** How to reach the store. No option is read from the environment here: the app parses configuration. */
export interface S3ConnectionOptions {
  /** `s3://bucket/prefix`; the default queue lives right under the prefix. */
  basePath: string;
  /** An S3-compatible endpoint (MinIO, s3rver, …); omit for AWS. */
  endpoint?: string;
  /** Defaults to the SDK's region chain for AWS, and to us-east-1 when an endpoint is given. */
  region?: string;
  /** Path-style addressing (`http://host/bucket/key`), needed by most S3-compatible servers. */
  forcePathStyle?: boolean;
  /** Static credentials or a provider; omit to use the SDK's default chain (AWS_* variables, profiles, roles). */
  credentials?: S3ClientConfig["credentials"];
  /** At most this many S3 requests in flight at once (default 32). */
  maxParallel?: number;
  /** Use this client instead of building one (its endpoint, region and credentials then apply); not closed by close(). */
  client?: S3Client;
  /** Where the start-up warning about conditional writes and crash repairs go (default: nowhere). */
  logger?: Logger;
  /**
   * Lifecycle defaults: max_attempts of items put without their own (default 1). There is no backoff setting: S3Queue
   * has no delays, so a retried item is available again at once (see the README).
   */
  lifecycle?: { maxAttempts?: number };
}

export interface S3QueueOptions extends S3ConnectionOptions {
  /** A named queue, kept under `<prefix>/<queueName>/`; omit for the queue right under the prefix. */
  queueName?: string;
}

export const DEFAULT_MAX_PARALLEL = 32;
