import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/** The committed, trimmed OpenAPI 3 description (read from the package, the same file the types come from). */
export const ARGO_SPEC_FILE = new URL("../../spec/argo-openapi.json", import.meta.url);

type JsonObject = { [key: string]: unknown };

interface ParameterSpec {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: JsonObject;
}

export interface Operation {
  method: string;
  /** The path template, e.g. /api/v1/workflows/{namespace}/{name}. */
  path: string;
  operationId: string;
  parameters: ParameterSpec[];
  requestBody: ValidateFunction | undefined;
  responses: Map<string, ValidateFunction>;
}

export interface MatchedOperation {
  operation: Operation;
  pathParams: Record<string, string>;
}

const SCHEMA_ID = "argo-openapi";

/** "#/components/…" refs of inline schemas point into the components document registered under SCHEMA_ID. */
function anchorRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(anchorRefs);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      key,
      key === "$ref" && typeof entry === "string" && entry.startsWith("#/")
        ? `${SCHEMA_ID}${entry}`
        : anchorRefs(entry),
    ]),
  );
}

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`)
    .join("; ");
}

/** A query value arrives as text: check it against the parameter's declared type and format. */
function queryValueProblem(schema: JsonObject, value: string): string | undefined {
  switch (schema.type) {
    case "boolean":
      return value === "true" || value === "false" ? undefined : "must be true or false";
    case "integer":
      return /^-?\d+$/.test(value) ? undefined : "must be an integer";
    case "string":
      if (schema.format === "int64" && !/^-?\d+$/.test(value)) return "must be an int64 in decimal";
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Validates requests and responses of the operations in Argo's OpenAPI description with ajv.
 * Returned strings describe every mismatch; an empty list means the message matches the description.
 */
export class OpenApiValidator {
  private readonly operations: Operation[] = [];

  constructor(spec: JsonObject = JSON.parse(readFileSync(ARGO_SPEC_FILE, "utf8")) as JsonObject) {
    // strict: false because Kubernetes schemas carry x-kubernetes-* keywords; every format used is still declared.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addFormat("int32", {
      type: "number",
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
    });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat("double", { type: "number", validate: () => true });
    ajv.addSchema({ components: spec.components }, SCHEMA_ID);
    const compile = (schema: unknown) => ajv.compile(anchorRefs(schema) as JsonObject);

    for (const [path, item] of Object.entries(spec.paths as Record<string, Record<string, JsonObject>>)) {
      for (const [method, op] of Object.entries(item)) {
        const content = (op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)
          ?.content;
        const responses = new Map<string, ValidateFunction>();
        for (const [status, response] of Object.entries(op.responses as Record<string, JsonObject>)) {
          const schema = (response.content as Record<string, { schema: unknown }> | undefined)?.[
            "application/json"
          ];
          if (schema) responses.set(status, compile(schema.schema));
        }
        this.operations.push({
          method: method.toUpperCase(),
          path,
          operationId: String(op.operationId),
          parameters: (op.parameters as ParameterSpec[] | undefined) ?? [],
          requestBody: content?.["application/json"]
            ? compile(content["application/json"].schema)
            : undefined,
          responses,
        });
      }
    }
  }

  /** The operation for a method and path; literal segments win over {templated} ones (…/submit vs …/{name}). */
  match(method: string, pathname: string): MatchedOperation | undefined {
    const segments = pathname.split("/");
    let best: { match: MatchedOperation; literals: number } | undefined;
    for (const operation of this.operations) {
      if (operation.method !== method) continue;
      const template = operation.path.split("/");
      if (template.length !== segments.length) continue;
      const pathParams: Record<string, string> = {};
      let literals = 0;
      const fits = template.every((part, index) => {
        const actual = segments[index] ?? "";
        const param = /^\{(.+)\}$/.exec(part);
        if (!param) {
          literals++;
          return part === actual;
        }
        if (actual === "") return false;
        pathParams[param[1] as string] = decodeURIComponent(actual);
        return true;
      });
      if (fits && (!best || literals > best.literals)) best = { match: { operation, pathParams }, literals };
    }
    return best?.match;
  }

  /** Query parameters (known names, declared types), path parameters, and the JSON body. */
  validateRequest(
    operation: Operation,
    pathParams: Record<string, string>,
    query: URLSearchParams,
    body: unknown,
    bodyPresent: boolean,
  ): string[] {
    const problems: string[] = [];
    const declared = new Map(operation.parameters.map((param) => [`${param.in}:${param.name}`, param]));
    for (const param of operation.parameters) {
      if (param.in === "path" && !pathParams[param.name])
        problems.push(`path parameter ${param.name} is missing`);
      if (param.in === "query" && param.required && !query.has(param.name)) {
        problems.push(`query parameter ${param.name} is required`);
      }
    }
    for (const name of new Set(query.keys())) {
      const param = declared.get(`query:${name}`);
      if (!param) {
        problems.push(`query parameter ${name} is not in the description of ${operation.operationId}`);
        continue;
      }
      const values = query.getAll(name);
      const isArray = param.schema.type === "array";
      if (!isArray && values.length > 1)
        problems.push(`query parameter ${name} is given ${values.length} times`);
      const itemSchema = isArray ? (param.schema.items as JsonObject) : param.schema;
      for (const value of values) {
        const problem = queryValueProblem(itemSchema, value);
        if (problem) problems.push(`query parameter ${name}=${JSON.stringify(value)} ${problem}`);
      }
    }
    if (operation.requestBody) {
      if (!bodyPresent) problems.push(`${operation.operationId} needs a JSON body`);
      else if (!operation.requestBody(body)) {
        problems.push(
          `request body of ${operation.operationId}: ${formatErrors(operation.requestBody.errors)}`,
        );
      }
    } else if (bodyPresent) {
      problems.push(`${operation.operationId} takes no body`);
    }
    return problems;
  }

  /** A response body against the schema of its status (or the operation's `default`). */
  validateResponse(operation: Operation, status: number, body: unknown): string[] {
    const validate = operation.responses.get(String(status)) ?? operation.responses.get("default");
    if (!validate) return [`${operation.operationId} has no response ${status} in the description`];
    if (status >= 200 && status < 300 && !operation.responses.has(String(status))) {
      return [`${operation.operationId} has no success response ${status} in the description`];
    }
    return validate(body)
      ? []
      : [`response ${status} of ${operation.operationId}: ${formatErrors(validate.errors)}`];
  }
}
