import { InvalidArgument } from "@task-queue/queue-core";

export interface S3Location {
  bucket: string;
  /** The key prefix without leading or trailing slash; "" for the bucket's root. */
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/some/prefix`. Rejects prefixes with empty, "." or ".." segments: filesystem-backed stores resolve them. */
export function parseS3Path(basePath: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(basePath);
  if (!match)
    throw new InvalidArgument(
      "basePath",
      `must look like s3://bucket/prefix, got ${JSON.stringify(basePath)}`,
    );
  const bucket = match[1]!;
  if (!BUCKET.test(bucket))
    throw new InvalidArgument("basePath", `${JSON.stringify(bucket)} is not a valid bucket name`);
  const prefix = (match[2] ?? "").replace(/\/+$/, "");
  if (prefix !== "") {
    for (const segment of prefix.split("/")) {
      if (segment === "" || segment === "." || segment === "..") {
        throw new InvalidArgument(
          "basePath",
          `prefix ${JSON.stringify(prefix)} has an empty, "." or ".." segment`,
        );
      }
    }
  }
  return { bucket, prefix };
}

/** Joins key parts with "/", ignoring an empty base. */
export function joinKey(...parts: string[]): string {
  return parts.filter((part) => part !== "").join("/");
}
