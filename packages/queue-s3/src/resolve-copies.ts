import type { StageName } from "@task-queue/queue-core";

/** One copy of an item found in a stage prefix, with the claim count stored in its metadata. */
export interface StageCopy {
  stage: StageName;
  /** How many times the item has been claimed by get; copies keep it, get adds one. */
  seq: number;
}

/** Each move of the queue: a move interrupted between copy and delete leaves the item in both stages. */
const MOVES: ReadonlyArray<readonly [StageName, StageName]> = [
  ["WAITING", "PROCESSING"],
  ["PROCESSING", "SUCCESS"],
  ["PROCESSING", "FAIL"],
  ["FAIL", "WAITING"],
];

/** For pairs no single move produces (only a race of two processes can): a fixed order, furthest along first. */
const FALLBACK: readonly StageName[] = ["SUCCESS", "FAIL", "PROCESSING", "WAITING"];

/**
 * Which copy is the item when it sits in several stages. The copy with the higher claim count is newer (get is the
 * only move that raises it, which breaks the WAITING → PROCESSING → FAIL → WAITING cycle). Between copies of equal
 * count, the destination of the interrupted move wins: the move had written it, so the item had got there.
 */
export function winningCopy<T extends StageCopy>(copies: readonly T[]): T {
  if (copies.length === 0) throw new RangeError("no copies to choose from");
  const top = Math.max(...copies.map((copy) => copy.seq));
  const newest = copies.filter((copy) => copy.seq === top);
  if (newest.length === 2) {
    const [a, b] = newest as [T, T];
    for (const [from, to] of MOVES) {
      if (a.stage === from && b.stage === to) return b;
      if (b.stage === from && a.stage === to) return a;
    }
  }
  const rank = (copy: T): number => FALLBACK.indexOf(copy.stage);
  return newest.reduce((best, copy) => (rank(copy) < rank(best) ? copy : best));
}
