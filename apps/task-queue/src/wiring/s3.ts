import type { Logger, QueueNamespace } from "@task-queue/queue-core";
import { type S3ConnectionOptions, S3QueueNamespace } from "@task-queue/queue-s3";
import type { Settings } from "../config/schema.js";

/** S3_QUEUE_BASE_PATH as `s3://bucket/prefix`; the system we replace took `bucket/prefix`, so both are accepted. */
export function s3BasePath(basePath: string): string {
  return basePath.startsWith("s3://") ? basePath : `s3://${basePath.replace(/^\/+/, "")}`;
}

/**
 * The S3 queues; an S3-compatible endpoint (S3_ENDPOINT_URL) is addressed path-style, as MinIO and Ceph need. The
 * logger gets the start-up warnings about conditions the store ignores and the notices of repaired moves.
 */
export async function openS3Namespace(settings: Settings, logger: Logger): Promise<QueueNamespace> {
  return new S3QueueNamespace({
    ...s3Connection(settings, logger),
    defaultQueueName: settings.sql_queue_name,
  });
}

/** Where the S3 queues live and how to reach them, from the S3_* and AWS_* settings. */
export function s3Connection(settings: Settings, logger: Logger): S3ConnectionOptions {
  const endpoint = settings.s3_endpoint_url;
  const keyId = settings.aws_access_key_id;
  const secret = settings.aws_secret_access_key;
  return {
    basePath: s3BasePath(settings.s3_queue_base_path!),
    region: settings.aws_region,
    logger,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(keyId && secret
      ? {
          credentials: {
            accessKeyId: keyId,
            secretAccessKey: secret,
            ...(settings.aws_session_token ? { sessionToken: settings.aws_session_token } : {}),
          },
        }
      : {}),
  };
}
