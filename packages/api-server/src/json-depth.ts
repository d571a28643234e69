const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

export type JsonShapeProblem =
  | { kind: "depth"; path: Array<string | number> }
  | { kind: "containers"; count: number };

/**
 * Checks the shape of JSON text before anything is built from it: one pass over the text, no recursion, memory
 * bounded by maxDepth. Finds the first array or object that opens deeper than maxDepth (with its path: keys and
 * indices from the root), or the text holding more than maxContainers arrays and objects (building millions of
 * them is what makes JSON.parse slow). Malformed text is not its concern: JSON.parse rejects that after.
 */
export function jsonShapeProblem(
  text: string,
  maxDepth: number,
  maxContainers: number,
): JsonShapeProblem | null {
  // Per open container (index = depth - 1): is it an object, its element index, its current key's span.
  const isObject = new Uint8Array(maxDepth);
  const index = new Uint32Array(maxDepth);
  const keyStart = new Int32Array(maxDepth);
  const keyEnd = new Int32Array(maxDepth);
  const afterColon = new Uint8Array(maxDepth);
  let depth = 0;
  let containers = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      // Skip the string: find its closing quote, stepping over escapes.
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
      const level = depth - 1;
      if (level >= 0 && isObject[level] === 1 && afterColon[level] === 0) {
        keyStart[level] = start;
        keyEnd[level] = i;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (depth === maxDepth)
        return { kind: "depth", path: pathAt(text, depth, isObject, index, keyStart, keyEnd) };
      if (++containers > maxContainers) return { kind: "containers", count: containers };
      isObject[depth] = c === OPEN_OBJECT ? 1 : 0;
      index[depth] = 0;
      keyStart[depth] = -1;
      afterColon[depth] = 0;
      depth++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
    } else if (c === COMMA) {
      if (depth > 0) {
        index[depth - 1] = (index[depth - 1] as number) + 1;
        afterColon[depth - 1] = 0;
      }
    } else if (c === COLON) {
      if (depth > 0) afterColon[depth - 1] = 1;
    }
  }
  return null;
}

function pathAt(
  text: string,
  depth: number,
  isObject: Uint8Array,
  index: Uint32Array,
  keyStart: Int32Array,
  keyEnd: Int32Array,
): Array<string | number> {
  const path: Array<string | number> = [];
  for (let level = 0; level < depth; level++) {
    if (isObject[level] === 0) {
      path.push(index[level] as number);
      continue;
    }
    const start = keyStart[level] as number;
    const raw = start < 0 ? "" : text.slice(start, (keyEnd[level] as number) + 1);
    let key: unknown = raw;
    try {
      key = JSON.parse(raw);
    } catch {
      // A key that is not valid JSON: the text will be rejected as malformed anyway; name it as written.
    }
    path.push(typeof key === "string" ? key : raw);
  }
  return path;
}
