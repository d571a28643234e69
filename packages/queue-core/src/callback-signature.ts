/**
 * The signature of a callback, the scheme payment webhooks use: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` with the queue's secret. The timestamp inside the signed text lets a receiver refuse replays
 * outside a tolerance window. Web Crypto only, so it runs in Node, browsers, workers and bundles alike.
 */

export const SIGNATURE_HEADER = "X-Task-Queue-Signature";
/** Fixed when the callback is recorded, the same on every retry: receivers de-duplicate by it. */
export const DELIVERY_ID_HEADER = "X-Task-Queue-Delivery";
/** How far a signature's time may be from the receiver's clock by default (seconds). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

function hmacKey(secret: string, usage: "sign" | "verify"): ReturnType<typeof crypto.subtle.importKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    usage,
  ]);
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The signature header's value for `body` sent at `timestampSeconds`. */
export async function signCallback(
  secret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret, "sign"),
    encoder.encode(`${timestampSeconds}.${body}`),
  );
  return `t=${timestampSeconds},v1=${hex(mac)}`;
}

export interface VerifyCallbackOptions {
  /** The shared secret set on the queue. */
  secret: string;
  /** The request body exactly as received (text, not re-serialized JSON). */
  body: string;
  /** The X-Task-Queue-Signature header. */
  header: string | null | undefined;
  /** Largest accepted distance between the signature's time and now (seconds). Default 300. */
  toleranceSeconds?: number;
  /** Now, in ms since the epoch (tests). */
  now?: number;
}

/**
 * Whether a callback is authentic: the header's time is within the tolerance and one of its v1 signatures is the
 * HMAC of "<t>.<body>". The comparison is Web Crypto's verify, which does not leak where the bytes differ.
 */
export async function verifyCallbackSignature(options: VerifyCallbackOptions): Promise<boolean> {
  const { secret, body, header } = options;
  if (typeof header !== "string") return false;
  let timestamp: number | null = null;
  const signatures: Uint8Array[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === "v1" && value !== undefined && /^[0-9a-f]{64}$/i.test(value))
      signatures.push(Uint8Array.from(value.match(/../g)!, (pair) => Number.parseInt(pair, 16)));
  }
  if (timestamp === null || signatures.length === 0) return false;
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const nowSeconds = (options.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - timestamp) > tolerance) return false;
  const key = await hmacKey(secret, "verify");
  const signed = encoder.encode(`${timestamp}.${body}`);
  for (const signature of signatures) {
    if (await crypto.subtle.verify("HMAC", key, signature, signed)) return true;
  }
  return false;
}
