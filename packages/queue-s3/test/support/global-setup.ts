import type { TestProject } from "vitest/node";
import { S3RVER_CREDENTIALS, startS3rver } from "../../src/testing/index.js";
import type { S3Target } from "./s3-target.js";

/**
 * With TEST_S3_ENDPOINT (and TEST_S3_BUCKET) set, the suite runs against that store; otherwise against an s3rver
 * process started here and stopped after the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = process.env;
  if (env.TEST_S3_ENDPOINT) {
    if (!env.TEST_S3_BUCKET) throw new Error("TEST_S3_ENDPOINT is set but TEST_S3_BUCKET is not");
    const target: S3Target = {
      kind: "external",
      endpoint: env.TEST_S3_ENDPOINT,
      bucket: env.TEST_S3_BUCKET,
      region: env.TEST_S3_REGION ?? "us-east-1",
      forcePathStyle: env.TEST_S3_FORCE_PATH_STYLE !== "false",
      credentials:
        env.TEST_S3_ACCESS_KEY_ID && env.TEST_S3_SECRET_ACCESS_KEY
          ? { accessKeyId: env.TEST_S3_ACCESS_KEY_ID, secretAccessKey: env.TEST_S3_SECRET_ACCESS_KEY }
          : null,
    };
    project.provide("s3Target", target);
    return async () => {};
  }
  const bucket = "queue-s3-test";
  const server = await startS3rver(bucket);
  project.provide("s3Target", {
    kind: "s3rver",
    endpoint: server.endpoint,
    bucket,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  return () => server.stop();
}
