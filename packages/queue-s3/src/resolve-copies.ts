import type { StageName } from "@task-queue/queue-core";

/** One copy of an item found in a stage prefix, with the claim count stored in its metadata. */
export interface StageCopy {
  stage: StageName;
  /** How many times the item has been claimed by get; copies keep it, get adds one. */
  seq: number;
  /** When the move that wrote the copy ran (ms, x-amz-meta-tq-updated); absent on objects from before the lifecycle. */
  updatedAt?: number | null;
}

/**
 * Each move of the queue that keeps the claim count: a move interrupted between copy and delete leaves the item in
 * both stages. (A claim, WAITING → PROCESSING, raises the count, so its copies never tie.) The lifecycle adds moves
 * the other way round (a retry PROCESSING → WAITING, a cancel WAITING → FAIL); those ties are told apart by the
 * copies' updatedAt first, and WAITING/PROCESSING at equal count can only be a retry.
 */
const MOVES: ReadonlyArray<readonly [StageName, StageName]> = [
  ["PROCESSING", "WAITING"],
  ["PROCESSING", "SUCCESS"],
  ["PROCESSING", "FAIL"],
  ["FAIL", "WAITING"],
];

/** For pairs no single move produces (only a race of two processes can): a fixed order, furthest along first. */
const FALLBACK: readonly StageName[] = ["SUCCESS", "FAIL", "PROCESSING", "WAITING"];

/**
 * Which copy is the item when it sits in several stages. The copy with the higher claim count is newer (get is the
 * only move that raises it, which breaks the WAITING → PROCESSING → FAIL → WAITING cycle). Between copies of equal
 * count, the one a later move wrote (updatedAt), else the destination of the interrupted move wins: the move had
 * written it, so the item had got there.
 */
export function winningCopy<T extends StageCopy>(copies: readonly T[]): T {
  if (copies.length === 0) throw new RangeError("no copies to choose from");
  const top = Math.max(...copies.map((copy) => copy.seq));
  const newest = copies.filter((copy) => copy.seq === top);
  // Every move stamps its destination with the time it ran: among copies that all carry it, the latest is the item.
  const stamps = newest.map((copy) => copy.updatedAt ?? null);
  if (newest.length > 1 && stamps.every((stamp) => stamp !== null)) {
    const latest = Math.max(...(stamps as number[]));
    const at = newest.filter((copy) => copy.updatedAt === latest);
    if (at.length === 1) return at[0]!;
  }
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
