/**
 * Item id ↔ object key suffix (the part after `<prefix>/<STAGE>/`).
 *
 * Readable form: ASCII letters, digits, "_", "-", "." and every non-ASCII character stay as they are, other ASCII
 * characters become %XX (so "/" can never create a path segment and ".." never stands alone). Ids whose readable
 * form would be longer than READABLE_LIMIT bytes (e.g. 512 slashes) use the compact form "~" + base64url(UTF-8),
 * which the readable form can never produce ("~" is always escaped there).
 *
 * Either form is then cut into segments of at most SEGMENT_BYTES bytes joined by "/", and ".json" is appended:
 * filesystem-backed stores (s3rver, MinIO) keep each segment as a file or folder name, limited to 255 bytes.
 * A segment boundary never splits a character or an escape, and no segment is "." or "..": inner segments are
 * long, and the last one ends in ".json".
 */

export const JSON_SUFFIX = ".json";
const READABLE_LIMIT = 700;
const SEGMENT_BYTES = 200;
const COMPACT_MARK = "~";
const SAFE_ASCII = /[A-Za-z0-9_.-]/;

/** The longest suffix encodeId produces for an id the core accepts (512 UTF-8 bytes): used to bound the prefix. */
export const MAX_ENCODED_SUFFIX_BYTES =
  READABLE_LIMIT + Math.ceil(READABLE_LIMIT / SEGMENT_BYTES) + JSON_SUFFIX.length;

function readableForm(id: string): string {
  let out = "";
  for (const char of id) {
    const code = char.codePointAt(0)!;
    if (code >= 0x80 || SAFE_ASCII.test(char)) out += char;
    else out += `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Splits into segments of at most SEGMENT_BYTES UTF-8 bytes, never inside a character or a %XX escape. */
function segment(encoded: string): string[] {
  const segments: string[] = [];
  let current = "";
  let currentBytes = 0;
  const units = encoded.match(/%[0-9A-F]{2}|[\s\S]/gu) ?? [];
  for (const unit of units) {
    const bytes = Buffer.byteLength(unit, "utf8");
    if (currentBytes + bytes > SEGMENT_BYTES) {
      segments.push(current);
      current = "";
      currentBytes = 0;
    }
    current += unit;
    currentBytes += bytes;
  }
  segments.push(current);
  return segments;
}

export function encodeId(id: string): string {
  const readable = readableForm(id);
  const form =
    Buffer.byteLength(readable, "utf8") <= READABLE_LIMIT
      ? readable
      : COMPACT_MARK + Buffer.from(id, "utf8").toString("base64url");
  return segment(form).join("/") + JSON_SUFFIX;
}

/** The id of an encoded suffix, or null for a key this queue did not write (foreign objects are ignored). */
export function decodeId(suffix: string): string | null {
  if (!suffix.endsWith(JSON_SUFFIX)) return null;
  const form = suffix.slice(0, -JSON_SUFFIX.length).split("/").join("");
  if (form === "") return null;
  let id: string;
  if (form.startsWith(COMPACT_MARK)) {
    id = Buffer.from(form.slice(COMPACT_MARK.length), "base64url").toString("utf8");
  } else {
    try {
      id = decodeURIComponent(form);
    } catch {
      return null;
    }
  }
  // Only canonical keys count: otherwise two keys could name one id and an item could sit in a stage twice.
  return encodeId(id) === suffix ? id : null;
}
