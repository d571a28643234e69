import { randomUUID } from "node:crypto";
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "@task-queue/queue-core";
import { STAGE_NAMES } from "@task-queue/queue-core";
import { inject } from "vitest";
import type { S3ConnectionOptions } from "../../src/index.js";
import "./s3-target.js";

export const target = inject("s3Target");

/** A fresh prefix per queue, so tests (and parallel test files) never share objects. */
export function freshPrefix(label: string): string {
  return `test-${label}-${randomUUID()}`;
}

export function connection(
  prefix: string,
  extra: { logger?: Logger; maxParallel?: number } = {},
): S3ConnectionOptions {
  return {
    basePath: `s3://${target.bucket}/${prefix}`,
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    ...(target.credentials === null ? {} : { credentials: target.credentials }),
    ...extra,
  };
}

/** A raw client, for what the tests do behind the queue's back (simulated crashes, legacy objects). */
export function rawClient(): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    ...(target.credentials === null ? {} : { credentials: target.credentials }),
  });
}

/** Every key under a prefix, in key order. */
export async function listKeys(client: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * The keys under a prefix that hold items (and queue markers), without put's id markers (`.tq-ids/`, written only on
 * stores with conditional writes): what layout assertions compare, the same on every store.
 */
export async function itemKeys(client: S3Client, prefix: string): Promise<string[]> {
  return (await listKeys(client, prefix)).filter(
    (key) => !key.includes("/.tq-ids/") && !key.startsWith(".tq-ids/"),
  );
}

/** Deletes what a test left under its prefix on a shared external store; s3rver's folder goes away whole. */
export async function removePrefix(client: S3Client, prefix: string): Promise<void> {
  if (target.kind === "s3rver") return;
  const keys = await listKeys(client, `${prefix}/`);
  for (let i = 0; i < keys.length; i += 32) {
    await Promise.all(
      keys
        .slice(i, i + 32)
        .map((key) => client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key }))),
    );
  }
}

/** Deletes what tests left under these prefixes (see removePrefix), with a client of its own. */
export async function removePrefixes(prefixes: readonly string[]): Promise<void> {
  const client = rawClient();
  try {
    for (const prefix of prefixes) await removePrefix(client, prefix);
  } finally {
    client.destroy();
  }
}

/**
 * On s3rver, puts a foreign object (`.keep`, which the queue ignores) in each stage folder of `prefix`. s3rver
 * removes a folder when its last object is deleted, and a PUT into that folder racing the removal crashes the whole
 * server (an unhandled ENOENT of its write stream): consumers that empty PROCESSING while others claim hit it about
 * once in ten runs of the leased-consumers case. Kept folders are never removed. Elsewhere it does nothing.
 */
export async function keepStageFolders(prefix: string): Promise<void> {
  if (target.kind !== "s3rver") return;
  const client = rawClient();
  try {
    for (const stage of STAGE_NAMES) {
      await client.send(
        new PutObjectCommand({ Bucket: target.bucket, Key: `${prefix}/${stage}/.keep`, Body: "keep" }),
      );
    }
  } finally {
    client.destroy();
  }
}
