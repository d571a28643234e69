import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { type JsonValue, QueueUnavailable } from "@task-queue/queue-core";
import { SEQ_METADATA } from "./item-meta.js";
import type { Limiter } from "./limiter.js";
import { storedText } from "./object-body.js";

export interface StoredObject {
  seq: number;
  /** The object's ETag as the store gave it (null if it gave none): what a conditional delete names. */
  etag: string | null;
  /** The object's user metadata (the lifecycle fields, see item-meta.ts). */
  metadata: Record<string, string>;
  /** ms since the epoch (0 when the store did not say). */
  lastModified: number;
}

/** What a HEAD or GET answer says of the object. */
function storedObject(out: {
  Metadata?: Record<string, string>;
  ETag?: string;
  LastModified?: Date;
}): StoredObject {
  return {
    seq: seqOf(out.Metadata),
    etag: out.ETag ?? null,
    metadata: out.Metadata ?? {},
    lastModified: out.LastModified?.getTime() ?? 0,
  };
}

export interface ListedPage {
  keys: string[];
  /** The ETag of each key as the listing gave it (null where it gave none). */
  etags: Array<string | null>;
  /** When the store last wrote each key (ms since the epoch; 0 where it did not say). */
  lastModified: number[];
  truncated: boolean;
}

export type WriteOutcome = { written: true; etag: string | null } | { written: false };

/** A precondition on a write: no object under the key yet, or the object whose ETag was read. */
export type WriteCondition = { ifNoneMatch: "*" } | { ifMatch: string };

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
      return storedObject(out);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable("HEAD", key, error);
    }
  }

  async getJson(key: string): Promise<(StoredObject & { text: string; body: JsonValue }) | null> {
    try {
      return await this.limiter.run(async () => {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const text = (await out.Body?.transformToString("utf-8")) ?? "";
        const body = JSON.parse(text) as JsonValue;
        return { text, body, ...storedObject(out) };
      });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable("GET", key, error);
    }
  }

  private sendJson(key: string, body: string, extra: Partial<PutObjectCommandInput>) {
    return this.limiter.run(() =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          ...extra,
        }),
      ),
    );
  }

  /**
   * Writes JSON text at claim count `seq` (see storedText) with the given user metadata; with ifAbsent, only when
   * no object has the key (where the store enforces If-None-Match); with ifMatch, only when the key holds the
   * object of that ETag (where the store enforces If-Match on PUT: AWS S3 since 2024, moto).
   */
  async putJson(
    key: string,
    json: string,
    seq: number,
    ifAbsent: boolean,
    metadata: Record<string, string> = {},
    ifMatch: string | null = null,
  ): Promise<WriteOutcome> {
    try {
      const out = await this.sendJson(key, storedText(json, seq), {
        Metadata: { ...metadata, [SEQ_METADATA]: String(seq) },
        ...(ifAbsent ? { IfNoneMatch: "*" } : {}),
        ...(ifMatch === null ? {} : { IfMatch: ifMatch }),
      });
      return { written: true, etag: out.ETag ?? null };
    } catch (error) {
      if (ifAbsent && isConflict(error)) return { written: false };
      if (ifMatch !== null && (isConflict(error) || isNotFound(error))) return { written: false };
      throw unavailable("PUT", key, error);
    }
  }

  /** An object's text and ETag, or null when there is none. */
  async getTagged(key: string): Promise<{ text: string; etag: string } | null> {
    try {
      return await this.limiter.run(async () => {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return { text: (await out.Body?.transformToString("utf-8")) ?? "", etag: out.ETag ?? "" };
      });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable("GET", key, error);
    }
  }

  /**
   * Writes JSON text only when the condition holds, and returns the new ETag; null when it does not hold (another
   * writer got there first, or an If-Match object is gone).
   */
  async putIf(key: string, json: string, condition: WriteCondition): Promise<string | null> {
    try {
      const out = await this.sendJson(
        key,
        json,
        "ifMatch" in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: "*" },
      );
      return out.ETag ?? "";
    } catch (error) {
      if (isConflict(error) || ("ifMatch" in condition && isNotFound(error))) return null;
      throw unavailable("PUT", key, error);
    }
  }

  /**
   * Server-side copy keeping the metadata (and so the claim count). With an ETag, only that object is copied where
   * the store honours x-amz-copy-source-if-match. Returns false when the source is gone (or changed).
   */
  async copy(from: string, to: string, etag: string | null = null): Promise<boolean> {
    try {
      await this.limiter.run(() =>
        this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: to,
            CopySource: encodeCopySource(this.bucket, from),
            MetadataDirective: "COPY",
            ...(etag === null ? {} : { CopySourceIfMatch: etag }),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isNotFound(error) || (etag !== null && statusOf(error) === 412)) return false;
      throw unavailable("COPY", from, error);
    }
  }

  /**
   * Server-side copy with new user metadata (the bytes, and so the ETag, stay): how a move that changes only
   * lifecycle fields avoids a GET and a PUT. `from` may equal `to` (extend renews a lease in place). With an ETag,
   * only that object is copied where the store honours x-amz-copy-source-if-match (AWS S3, moto; not s3rver).
   * Not written when the source is gone or changed.
   */
  async copyReplacing(
    from: string,
    to: string,
    etag: string | null,
    metadata: Record<string, string>,
  ): Promise<WriteOutcome> {
    try {
      const out = await this.limiter.run(() =>
        this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: to,
            CopySource: encodeCopySource(this.bucket, from),
            MetadataDirective: "REPLACE",
            Metadata: metadata,
            ContentType: "application/json",
            ...(etag === null ? {} : { CopySourceIfMatch: etag }),
          }),
        ),
      );
      return { written: true, etag: out.CopyObjectResult?.ETag ?? null };
    } catch (error) {
      if (isNotFound(error) || (etag !== null && statusOf(error) === 412)) return { written: false };
      throw unavailable("COPY", from, error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.call("DELETE", key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  /**
   * Deletes `key` only if it still holds the object with this ETag: DELETE with If-Match, which AWS S3 and moto
   * honour. False when the key holds another object (412) or none (404): a newer state that must stay.
   */
  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    try {
      await this.limiter.run(() =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: etag })),
      );
      return true;
    } catch (error) {
      if (isNotFound(error) || statusOf(error) === 412) return false;
      throw unavailable("DELETE", key, error);
    }
  }

  /**
   * For stores that ignore If-Match on DELETE: HEAD the key and delete it only if its ETag is still `etag` (and,
   * with `stillSo`, its user metadata still passes that check), both in one slot of the request limiter, so that no
   * queued request stretches the gap. A write landing between the HEAD and the DELETE (one round trip) is still
   * lost: the window the README documents.
   */
  async deleteIfUnchanged(
    key: string,
    etag: string,
    stillSo?: (metadata: Record<string, string>) => boolean,
  ): Promise<boolean> {
    return this.call("DELETE", key, async () => {
      try {
        const now = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        if (now.ETag !== etag) return false;
        if (stillSo !== undefined && !stillSo(now.Metadata ?? {})) return false;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    });
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
    const listed = (out.Contents ?? []).filter((object) => object.Key !== undefined);
    return {
      keys: listed.map((object) => object.Key!),
      etags: listed.map((object) => object.ETag ?? null),
      lastModified: listed.map((object) => object.LastModified?.getTime() ?? 0),
      truncated: out.IsTruncated === true,
    };
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
