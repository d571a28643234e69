import { randomUUID } from "node:crypto";
import { type S3Store, statusOf } from "./s3-store.js";

/**
 * Whether the store refuses a PUT with If-None-Match: * when the key exists (AWS S3 and MinIO do; s3rver and some
 * older stores ignore the header). Writes one small object twice under `<prefix>/.task-queue-probe/` and deletes it;
 * queue names start with a letter or digit, so the probe never lands in a queue.
 */
export async function storeEnforcesConditionalWrites(store: S3Store, prefix: string): Promise<boolean> {
  const key = `${prefix === "" ? "" : `${prefix}/`}.task-queue-probe/${randomUUID()}.json`;
  try {
    await store.putJson(key, "{}", 0, true);
    return (await store.putJson(key, "{}", 0, true)) === "exists";
  } catch (error) {
    // A store that knows the header but not this use of it answers 501 Not Implemented: no enforcement.
    if (statusOf(error) === 501) return false;
    throw error;
  } finally {
    await store.delete(key);
  }
}
