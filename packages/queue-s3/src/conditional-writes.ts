import { randomUUID } from "node:crypto";
import { type S3Store, statusOf } from "./s3-store.js";

/** Which conditional requests the store enforces. */
export interface StoreCapabilities {
  /** PUT with If-None-Match: * is refused when the key exists (AWS S3, MinIO, moto; not s3rver). */
  conditionalWrites: boolean;
  /** DELETE with If-Match is refused when the ETag differs (AWS S3 since 2024, moto; not s3rver). */
  conditionalDeletes: boolean;
  /** PUT with If-Match is refused when the ETag differs (AWS S3 since 2024, moto; not s3rver). */
  conditionalReplaces: boolean;
}

/** An ETag no object has (the MD5 of nothing is d41d8cd9…, and S3 ETags are never all zeros). */
const NO_SUCH_ETAG = '"00000000000000000000000000000000"';

/**
 * Asks the store which conditions it enforces. Writes one small object under `<prefix>/.task-queue-probe/` twice
 * with If-None-Match: *, writes it with an If-Match that cannot match, then deletes it with one, and finally deletes
 * it for good; queue
 * names start with a letter or digit, so the probe never lands in a queue.
 */
export async function probeStore(store: S3Store, prefix: string): Promise<StoreCapabilities> {
  const key = `${prefix === "" ? "" : `${prefix}/`}.task-queue-probe/${randomUUID()}.json`;
  try {
    await store.putJson(key, "{}", 0, true);
    const conditionalWrites = !(await store.putJson(key, "{}", 0, true)).written;
    const conditionalReplaces = !(await store.putJson(key, "{}", 0, false, {}, NO_SUCH_ETAG)).written;
    const conditionalDeletes = !(await store.deleteIfMatch(key, NO_SUCH_ETAG));
    return { conditionalWrites, conditionalDeletes, conditionalReplaces };
  } catch (error) {
    // A store that knows a header but not this use of it answers 501 Not Implemented: no enforcement.
    if (statusOf(error) === 501) {
      return { conditionalWrites: false, conditionalDeletes: false, conditionalReplaces: false };
    }
    throw error;
  } finally {
    await store.delete(key);
  }
}
