import type { z } from "@hono/zod-openapi";
import { formatBodyPath, InvalidItem } from "@task-queue/queue-core";
import type { AppContext } from "./context.js";
import { RequestValidationError, unsupportedMediaType, type ValidationProblem } from "./http-errors.js";
import { jsonShapeProblem } from "./json-depth.js";
import type { ResolvedOptions } from "./options.js";

export function zodProblems(where: string, issues: readonly z.core.$ZodIssue[]): ValidationProblem[] {
  return issues.map((issue) => ({
    loc: [where, ...issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))],
    msg: issue.message,
    type: issue.code,
  }));
}

// application/json, optionally with charset=utf-8 (the only encoding JSON text may have between systems, RFC 8259).
const JSON_MEDIA_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

/**
 * A JSON body must say it is one. FastAPI parsed a body without a Content-Type as JSON too, but a browser sends
 * such a body (and text/plain, form types) cross-origin without a CORS preflight: any web page could then write to
 * a server without a token. So: 415 unless the body is declared application/json.
 */
function assertJsonContentType(c: AppContext): void {
  const type = c.req.header("content-type");
  if (type !== undefined && JSON_MEDIA_TYPE.test(type.trim())) return;
  throw unsupportedMediaType(type);
}

/** What readJsonBody needs of the server's options. */
export type BodyOptions = Pick<ResolvedOptions, "maxBodyDepth" | "maxJsonContainers">;

/**
 * Reads a JSON body, declared as application/json, and checks it against the schema. Before JSON.parse builds
 * anything, one linear scan rejects text nested deeper than the body depth limit (for a put batch, an item is one
 * level below the root: the 422 names its id and the path inside its body) or holding too many arrays and objects.
 * Returns the parsed value itself, not zod's copy, so keys such as "__proto__" stay plain data.
 */
export async function readJsonBody<S extends z.ZodType>(
  c: AppContext,
  schema: S,
  options: BodyOptions & { items?: boolean; nesting?: number },
): Promise<z.infer<S>> {
  assertJsonContentType(c);
  const text = await c.req.text();
  // Item bodies sit `nesting` levels below the root (one in a put batch, two in put_jobs' list of objects); other
  // bodies (id lists) are shallower still.
  const shape = jsonShapeProblem(
    text,
    options.maxBodyDepth + (options.nesting ?? 1),
    options.maxJsonContainers,
  );
  if (shape?.kind === "containers") {
    throw new RequestValidationError([
      {
        loc: ["body"],
        msg: `the JSON holds more than ${options.maxJsonContainers} arrays and objects, the limit of one request`,
        type: "too_many_containers",
      },
    ]);
  }
  if (shape?.kind === "depth") {
    const reason = `nests deeper than the limit of ${options.maxBodyDepth} levels`;
    const [id, ...inside] = shape.path;
    if (options.items === true && typeof id === "string" && text.trimStart().startsWith("{")) {
      throw new InvalidItem([{ id, path: inside, reason: `${formatBodyPath(inside)} ${reason}` }]);
    }
    throw new RequestValidationError([{ loc: ["body", ...shape.path], msg: reason, type: "too_deep" }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RequestValidationError([
      { loc: ["body"], msg: `malformed JSON: ${reason}`, type: "json_invalid" },
    ]);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new RequestValidationError(zodProblems("body", result.error.issues));
  return value as z.infer<S>;
}

/** A body that may be left out: `undefined` when the request has none (the legacy form), else as readJsonBody. */
export async function readOptionalJsonBody<S extends z.ZodType>(
  c: AppContext,
  schema: S,
  options: BodyOptions,
): Promise<z.infer<S> | undefined> {
  if ((await c.req.text()).trim() === "") return undefined;
  return readJsonBody(c, schema, options);
}
