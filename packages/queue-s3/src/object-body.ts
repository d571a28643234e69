/** JSON's insignificant whitespace at the end of a text. */
const TRAILING_WHITESPACE = /[ \t\n\r]+$/;

/**
 * The text stored for an item at claim count `seq`: its JSON, followed (from the first claim on) by a newline and
 * the count in binary as tabs (1) and spaces (0). JSON parsers ignore the suffix, so every reader sees the same
 * value; its point is the ETag. S3's ETag of a plain object is the MD5 of its bytes, so without it an item that
 * comes back to a stage (FAIL → WAITING → PROCESSING → FAIL) would be byte for byte the copy it was before, and a
 * delete conditioned on the old copy's ETag (If-Match) would remove the new one. With it, copies of different claim
 * counts never share an ETag. Claim count 0 (a put) stores the JSON exactly.
 */
export function storedText(json: string, seq: number): string {
  const text = json.replace(TRAILING_WHITESPACE, "");
  return seq > 0 ? `${text}\n${seq.toString(2).replace(/1/g, "\t").replace(/0/g, " ")}` : text;
}
