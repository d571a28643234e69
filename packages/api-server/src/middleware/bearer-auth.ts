import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import { unauthorized } from "../http-errors.js";

const encoder = new TextEncoder();

/** SHA-256 with Web Crypto (no node:crypto), so the server runs on any runtime Hono supports. */
const digest = async (value: string): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));

/** Compares two digests of the same length in time that does not depend on where they differ. */
function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/**
 * Requires `Authorization: Bearer <token>` unless the path is public. Compares SHA-256 digests in constant time:
 * equal lengths always, so neither the token's content nor its length leaks through timing.
 */
export function bearerAuth(
  token: string | null,
  isPublic: (path: string) => boolean,
): MiddlewareHandler<AppEnv> {
  const expected = token === null ? null : digest(token);
  return async (c, next) => {
    if (expected === null || isPublic(c.req.path)) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !equalDigests(await digest(match[1]!.trim()), await expected)) throw unauthorized();
    return next();
  };
}
