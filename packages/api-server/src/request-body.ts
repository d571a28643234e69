import type { z } from "@hono/zod-openapi";
import type { AppContext } from "./context.js";
import { RequestValidationError, type ValidationProblem } from "./http-errors.js";

export function zodProblems(where: string, issues: readonly z.core.$ZodIssue[]): ValidationProblem[] {
  return issues.map((issue) => ({
    loc: [where, ...issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))],
    msg: issue.message,
    type: issue.code,
  }));
}

/**
 * Reads the body as JSON whatever the Content-Type (clients of the system we replace do not all send one) and checks
 * it against the schema. Returns the parsed value itself, not zod's copy, so keys such as "__proto__" stay plain data.
 */
export async function readJsonBody<S extends z.ZodType>(c: AppContext, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
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
): Promise<z.infer<S> | undefined> {
  if ((await c.req.text()).trim() === "") return undefined;
  return readJsonBody(c, schema);
}
