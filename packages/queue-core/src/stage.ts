import { InvalidStage } from "./errors.js";

/** The four stages an item moves through. The numbers are the wire format of the system we replace. */
export const QueueItemStage = {
  WAITING: 0,
  PROCESSING: 1,
  SUCCESS: 2,
  FAIL: 3,
} as const;

export type QueueItemStage = (typeof QueueItemStage)[keyof typeof QueueItemStage];
export type StageName = keyof typeof QueueItemStage;

/** Stage names in numeric order: STAGE_NAMES[stage] is the name of a stage. */
export const STAGE_NAMES: readonly StageName[] = ["WAITING", "PROCESSING", "SUCCESS", "FAIL"];

export function stageName(stage: QueueItemStage): StageName {
  const name = STAGE_NAMES[stage];
  if (name === undefined) throw new InvalidStage(String(stage));
  return name;
}

export function isStageName(value: unknown): value is StageName {
  return typeof value === "string" && (STAGE_NAMES as readonly string[]).includes(value);
}

export function isQueueItemStage(value: unknown): value is QueueItemStage {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

/** Accepts a stage as a number (0–3), a numeric string, or a name (WAITING, …); throws InvalidStage otherwise. */
export function parseStage(value: unknown): QueueItemStage {
  if (isQueueItemStage(value)) return value;
  if (isStageName(value)) return QueueItemStage[value];
  if (typeof value === "string" && /^[0-3]$/.test(value)) return Number(value) as QueueItemStage;
  throw new InvalidStage(String(value));
}

export type StageSizes = Record<StageName, number>;

export function emptySizes(): StageSizes {
  return { WAITING: 0, PROCESSING: 0, SUCCESS: 0, FAIL: 0 };
}
