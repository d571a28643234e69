import type { S3QueueScope } from "./scope.js";

/**
 * The queue's settings, stored with the queue so every controller and server reads the same ones:
 * `<prefix>/.task-queue-settings.json`, `{"paused": true|false}`. No object: the defaults (not paused).
 */
interface QueueSettings {
  paused: boolean;
}

/** Whether releasing is paused: 1 GET (a controller asks once per tick). */
export async function readPaused(scope: S3QueueScope): Promise<boolean> {
  const object = await scope.store.getTagged(scope.layout.settingsKey());
  if (object === null) return false;
  try {
    return (JSON.parse(object.text) as Partial<QueueSettings>).paused === true;
  } catch {
    // Not ours to interpret (written by hand?): the safe reading of a settings object we cannot read is "not paused",
    // as when it is missing, and the next setPaused replaces it.
    return false;
  }
}

/** Stores the flag: 1 PUT. The last writer wins, as with the SQL settings row. */
export async function writePaused(scope: S3QueueScope, paused: boolean): Promise<void> {
  const settings: QueueSettings = { paused };
  await scope.store.putJson(scope.layout.settingsKey(), JSON.stringify(settings), 0, false);
}
