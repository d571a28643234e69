import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import { unauthorized } from "../http-errors.js";

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Requires `Authorization: Bearer <token>` unless the path is public. Compares SHA-256 digests with timingSafeEqual:
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
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) throw unauthorized();
    return next();
  };
}
