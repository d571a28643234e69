import type { ControllerStatus, ControllerStatusReport } from "@task-queue/queue-core";
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

/** The controller status as stored: the report and the writer's clock (ms), kept for readers' clocks to compare. */
interface StoredControllerStatus extends ControllerStatusReport {
  at: number;
}

/**
 * The leading controller's status after its tick: 1 PUT of `<prefix>/.task-queue-controller.json` (its own object, so
 * a tick never races a pause written to the settings object).
 */
export async function writeControllerStatus(
  scope: S3QueueScope,
  report: ControllerStatusReport,
): Promise<void> {
  const stored: StoredControllerStatus = { ...report, at: Date.now() };
  await scope.store.putJson(scope.layout.controllerStatusKey(), JSON.stringify(stored), 0, false);
}

/** The last status, its age by this process's clock (S3 has no clock to ask); null when none was written. */
export async function readControllerStatus(scope: S3QueueScope): Promise<ControllerStatus | null> {
  const object = await scope.store.getTagged(scope.layout.controllerStatusKey());
  if (object === null) return null;
  let stored: Partial<StoredControllerStatus>;
  try {
    stored = JSON.parse(object.text) as Partial<StoredControllerStatus>;
  } catch {
    return null;
  }
  if (typeof stored.at !== "number" || typeof stored.identity !== "string") return null;
  return {
    identity: stored.identity,
    leader: stored.leader === true,
    paused: stored.paused === true,
    periodSeconds: Number(stored.periodSeconds ?? 0),
    lastTickAt: new Date(stored.at),
    ageSeconds: Math.max(0, (Date.now() - stored.at) / 1000),
  };
}
