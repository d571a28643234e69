import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { itemIdProblem, STAGE_NAMES } from "@task-queue/queue-core";
import { decodeId, encodeId, type S3Location } from "@task-queue/queue-s3";

/**
 * `task-queue migrate legacy-s3`: the Python task-queue kept an item at `<base>/<STAGE>/<id>.json` with the raw id
 * in the key, so ids with `/`, spaces or `%` sit under keys ours does not read (ours escapes them). This re-keys
 * such objects to our key for the same id, keeping body and stage; objects already under our key stay. Which keys
 * are legacy: with the original's `<base>/index.txt` (one id per line), the ids it lists; without it, every key
 * that is not our canonical form. A key that reads as both (a canonical key holding `%`, e.g. `a%20b.json`: the
 * original's id "a%20b" or our "a b"?) is ours unless index.txt lists it, and is reported as ambiguous.
 * Dry run unless `apply`; idempotent (a re-keyed object's legacy key is gone; an existing target is not overwritten).
 */
export interface LegacyS3Options {
  client: S3Client;
  /** The queue's base (S3_QUEUE_BASE_PATH): our default queue and the original's queue share it. */
  location: S3Location;
  apply: boolean;
}

export interface LegacyS3Report {
  applied: boolean;
  index: { found: boolean; ids: number };
  objects: {
    read: number;
    /** Already under our key. */
    ours: number;
    /** Re-keyed (or, on a dry run, to be). */
    rekeyed: number;
    /** Our key for the id exists already: left as they are. */
    conflicts: string[];
    /** Canonical keys holding `%` that index.txt does not list: kept as ours. */
    ambiguous: string[];
    /** Ids ours cannot hold (empty, too long): left as they are. */
    invalid: string[];
  };
}

const join = (...parts: string[]): string => parts.filter((part) => part !== "").join("/");

async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

async function readText(client: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString("utf8")) ?? "";
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return null;
    throw error;
  }
}

/** Whether `key` exists: listed under itself as prefix (a LIST works the same on every store; HEAD's 404s vary). */
async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 10 }));
  return (page.Contents ?? []).some((object) => object.Key === key);
}

export async function migrateLegacyS3(options: LegacyS3Options): Promise<LegacyS3Report> {
  const { client, apply } = options;
  const { bucket, prefix } = options.location;
  const indexText = await readText(client, bucket, join(prefix, "index.txt"));
  const indexed =
    indexText === null
      ? null
      : new Set(
          indexText
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line !== ""),
        );
  const report: LegacyS3Report = {
    applied: apply,
    index: { found: indexed !== null, ids: indexed?.size ?? 0 },
    objects: { read: 0, ours: 0, rekeyed: 0, conflicts: [], ambiguous: [], invalid: [] },
  };
  for (const stage of STAGE_NAMES) {
    const stagePrefix = `${join(prefix, stage)}/`;
    for (const key of await listKeys(client, bucket, stagePrefix)) {
      const suffix = key.slice(stagePrefix.length);
      if (!suffix.endsWith(".json")) continue;
      report.objects.read += 1;
      const rawId = suffix.slice(0, -".json".length);
      const canonical = decodeId(suffix) !== null;
      const legacy = indexed ? indexed.has(rawId) && encodeId(rawId) !== suffix : !canonical;
      if (!legacy) {
        report.objects.ours += 1;
        if (!indexed && suffix.includes("%")) report.objects.ambiguous.push(key);
        continue;
      }
      if (itemIdProblem(rawId) !== null) {
        report.objects.invalid.push(key);
        continue;
      }
      const target = stagePrefix + encodeId(rawId);
      if (await exists(client, bucket, target)) {
        report.objects.conflicts.push(key);
        continue;
      }
      report.objects.rekeyed += 1;
      if (!apply) continue;
      const body = await readText(client, bucket, key);
      if (body === null) continue; // gone meanwhile
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: target, Body: body, ContentType: "application/json" }),
      );
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
  }
  return report;
}
