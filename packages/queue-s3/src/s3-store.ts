import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { type JsonValue, QueueUnavailable } from "@task-queue/queue-core";
import type { Limiter } from "./limiter.js";

/** User metadata key holding an item's claim count (x-amz-meta-tq-seq). */
const SEQ_METADATA = "tq-seq";

export interface StoredObject {
  seq: number;
}

export interface ListedPage {
  keys: string[];
  truncated: boolean;
}

export type WriteOutcome = "written" | "exists";

/** The HTTP status of an S3 error, looking through QueueUnavailable to its cause. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
  if (error instanceof QueueUnavailable) return statusOf(error.cause);
  return undefined;
}

/** Another writer got there first: 412 on a failed If-None-Match, 409 when AWS sees two conditional writes race. */
function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}

function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404 || (error instanceof Error && error.name === "NoSuchKey");
}

function unavailable(action: string, key: string, error: unknown): QueueUnavailable {
  // The SDK's own error names (AccessDenied, NoSuchBucket, ECONNREFUSED, …) never carry credentials.
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new QueueUnavailable(`S3 ${action} of ${JSON.stringify(key)} failed: ${reason}`, { cause: error });
}

function seqOf(metadata: Record<string, string> | undefined): number {
  const seq = Number(metadata?.[SEQ_METADATA] ?? 0);
  return Number.isSafeInteger(seq) && seq >= 0 ? seq : 0;
}

function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * The object operations the queue needs, on one bucket, each through the shared request limiter. 404 and
 * precondition failures become values; every other failure is QueueUnavailable.
 */
export class S3Store {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    private readonly limiter: Limiter,
  ) {}

  private async call<T>(action: string, key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await this.limiter.run(send);
    } catch (error) {
      throw unavailable(action, key, error);
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.limiter.run(() =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      return { seq: seqOf(out.Metadata) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable("HEAD", key, error);
    }
  }

  async getJson(key: string): Promise<{ text: string; body: JsonValue; seq: number } | null> {
    try {
      return await this.limiter.run(async () => {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const text = (await out.Body?.transformToString("utf-8")) ?? "";
        return { text, body: JSON.parse(text) as JsonValue, seq: seqOf(out.Metadata) };
      });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable("GET", key, error);
    }
  }

  /** Writes JSON text; with ifAbsent, only when no object has the key (where the store enforces If-None-Match). */
  async putJson(key: string, json: string, seq: number, ifAbsent: boolean): Promise<WriteOutcome> {
    try {
      await this.limiter.run(() =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: json,
            ContentType: "application/json",
            Metadata: { [SEQ_METADATA]: String(seq) },
            ...(ifAbsent ? { IfNoneMatch: "*" } : {}),
          }),
        ),
      );
      return "written";
    } catch (error) {
      if (ifAbsent && isConflict(error)) return "exists";
      throw unavailable("PUT", key, error);
    }
  }

  /** Server-side copy keeping the metadata (and so the claim count). Returns false when the source is gone. */
  async copy(from: string, to: string): Promise<boolean> {
    try {
      await this.limiter.run(() =>
        this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: to,
            CopySource: encodeCopySource(this.bucket, from),
            MetadataDirective: "COPY",
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw unavailable("COPY", from, error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.call("DELETE", key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  /** One page of keys under a prefix, in key order, after `startAfter`. */
  async listPage(prefix: string, startAfter: string | undefined, maxKeys: number): Promise<ListedPage> {
    const out = await this.call("LIST", prefix, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ...(startAfter === undefined ? {} : { StartAfter: startAfter }),
        }),
      ),
    );
    const keys = (out.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
    return { keys, truncated: out.IsTruncated === true };
  }

  /** The sub-prefixes one level below `prefix` (delimiter listing), every page. */
  async listFolders(prefix: string): Promise<string[]> {
    const folders: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.call("LIST", prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            Delimiter: "/",
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        ),
      );
      for (const common of out.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined) folders.push(common.Prefix.slice(prefix.length).replace(/\/$/, ""));
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return folders;
  }
}
