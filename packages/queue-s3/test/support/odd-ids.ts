import { MAX_ID_BYTES } from "@task-queue/queue-core";

/** Pieces that have broken key encodings before: separators, escapes, dots, wide and astral characters. */
const PIECES = [
  "/",
  "//",
  "..",
  ".",
  "%",
  "%2F",
  "%25",
  " ",
  "~",
  "\\",
  "?",
  "#",
  "&",
  "+",
  "=",
  ":",
  "*",
  "'",
  '"',
  "<",
  ">",
  "|",
  "é",
  "ß",
  "日本",
  "🎉",
  "👩‍👩‍👧",
  "\u00a0",
  "\u200b",
  "\ufeff",
  "a",
  "Z",
  "0",
  "_",
  "-",
  "json",
  ".json",
];

/** A small seeded PRNG (mulberry32), so a failing id can be reproduced from the seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` valid ids built from odd pieces, some short, some up to the 512-byte limit. */
export function oddIds(count: number, seed: number): string[] {
  const next = random(seed);
  const ids: string[] = [];
  while (ids.length < count) {
    const long = next() < 0.2;
    const pieces = long ? 40 + Math.floor(next() * 400) : 1 + Math.floor(next() * 8);
    let id = "";
    for (let i = 0; i < pieces; i++) {
      const piece = PIECES[Math.floor(next() * PIECES.length)]!;
      if (Buffer.byteLength(id + piece, "utf8") > MAX_ID_BYTES) break;
      id += piece;
    }
    if (id.length > 0) ids.push(id);
  }
  return ids;
}
