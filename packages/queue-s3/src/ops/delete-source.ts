import type { S3QueueScope } from "./scope.js";

/**
 * Deletes the source of a move (or a stale copy) only if `key` still holds the object that was read or copied,
 * named by its ETag: never a newer state another process wrote there since (issue 19). With If-Match where the store
 * enforces it; elsewhere by re-reading the ETag just before the delete (a one-round-trip window). Without an ETag
 * (a store that sends none) it deletes unconditionally, as before. `stillSo` adds a check of the re-read metadata on
 * that second path (locate: the copy must still carry the fields that made it stale). True when it deleted.
 */
export async function deleteSource(
  scope: S3QueueScope,
  key: string,
  etag: string | null,
  stillSo?: (metadata: Record<string, string>) => boolean,
): Promise<boolean> {
  if (etag === null) {
    await scope.store.delete(key);
    return true;
  }
  const { conditionalDeletes } = await scope.capabilities();
  const deleted = conditionalDeletes
    ? await scope.store.deleteIfMatch(key, etag)
    : await scope.store.deleteIfUnchanged(key, etag, stillSo);
  if (!deleted) {
    scope.logger.info(
      { queue: scope.name, key },
      "S3Queue: a newer copy replaced the source of a move before its delete; left it in place",
    );
  }
  return deleted;
}
