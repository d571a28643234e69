/**
 * Turns Argo's Swagger 2.0 description into the trimmed OpenAPI 3 description this package commits
 * (spec/argo-openapi.json), and that description into TypeScript types (src/generated/argo.ts).
 * Run `pnpm run generate`; test/generated.test.ts fails when the committed files are stale.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import openapiTS, { astToString } from "openapi-typescript";
import converter from "swagger2openapi";

/** The operations the worker and the emulator use: everything else is dropped from the description. */
export const KEPT_OPERATIONS: Record<string, readonly string[]> = {
  "/api/v1/workflows/{namespace}": ["get", "post"],
  "/api/v1/workflows/{namespace}/submit": ["post"],
  "/api/v1/workflows/{namespace}/{name}": ["get", "delete"],
  "/api/v1/workflows/{namespace}/{name}/log": ["get"],
};

const WORKFLOW = "io.argoproj.workflow.v1alpha1.Workflow";
const WORKFLOW_LIST = "io.argoproj.workflow.v1alpha1.WorkflowList";
const SCHEMA_REF_PREFIX = "#/components/schemas/";

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function collectRefs(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const entry of value) collectRefs(entry, found);
  } else if (isObject(value)) {
    for (const [key, entry] of Object.entries(value)) {
      if (key === "$ref" && typeof entry === "string" && entry.startsWith(SCHEMA_REF_PREFIX)) {
        found.add(entry.slice(SCHEMA_REF_PREFIX.length));
      } else {
        collectRefs(entry, found);
      }
    }
  }
}

/** Names of every schema reachable from `roots`, so the trimmed description has no dangling $ref. */
function reachableSchemas(roots: unknown, schemas: JsonObject): string[] {
  const seen = new Set<string>();
  const pending = new Set<string>();
  collectRefs(roots, pending);
  while (pending.size > 0) {
    const [name] = pending;
    pending.delete(name as string);
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    if (!(name in schemas)) throw new Error(`the Argo description refers to a missing schema ${name}`);
    const next = new Set<string>();
    collectRefs(schemas[name], next);
    for (const ref of next) if (!seen.has(ref)) pending.add(ref);
  }
  return [...seen].sort();
}

/**
 * Where the real server departs from its own description, the description is patched so that what Argo really
 * sends validates (and the generated types make the client handle it). Each patch is listed in spec/NOTICE.md.
 */
function patchToMatchServer(schemas: JsonObject): void {
  const list = schemas[WORKFLOW_LIST];
  const workflow = schemas[WORKFLOW];
  if (!isObject(list) || !isObject(list.properties) || !isObject(list.properties.items)) {
    throw new Error(`${WORKFLOW_LIST}.items not found`);
  }
  if (!isObject(workflow) || !Array.isArray(workflow.required)) throw new Error(`${WORKFLOW} not found`);
  // The server encodes an empty Go slice as null: `"items": null` when nothing matches.
  list.properties.items.nullable = true;
  // `fields=items.metadata` (or any field mask without spec) returns workflows without a spec.
  workflow.required = workflow.required.filter((name) => name !== "spec");
}

/** Swagger 2.0 (Argo's api/openapi-spec/swagger.json) → the trimmed, patched OpenAPI 3.0 description. */
/** The text of a swagger.json, gunzipped when the file name ends in .gz (the committed copy). */
export function readSwagger(file: URL | string): string {
  const bytes = readFileSync(file);
  return String(file).endsWith(".gz") ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
}

export async function convertAndTrim(swagger: object, origin: string): Promise<JsonObject> {
  const converted = await converter.convertObj(structuredClone(swagger), { patch: true, warnOnly: true });
  const full = converted.openapi;
  const fullPaths = full.paths as JsonObject;
  const fullComponents = full.components as JsonObject;
  const allSchemas = fullComponents.schemas as JsonObject;

  const paths: JsonObject = {};
  for (const [path, methods] of Object.entries(KEPT_OPERATIONS)) {
    const item = fullPaths[path];
    if (!isObject(item)) throw new Error(`the Argo description has no path ${path}`);
    const kept: JsonObject = {};
    for (const method of methods) {
      if (!isObject(item[method])) throw new Error(`the Argo description has no ${method} ${path}`);
      kept[method] = item[method];
    }
    paths[path] = kept;
  }

  const schemas: JsonObject = {};
  for (const name of reachableSchemas(paths, allSchemas)) schemas[name] = structuredClone(allSchemas[name]);
  patchToMatchServer(schemas);

  const info = full.info as JsonObject;
  return {
    openapi: full.openapi,
    info: {
      ...info,
      description: `Trimmed from ${origin} (converted from Swagger 2.0 with swagger2openapi); see NOTICE.md.`,
    },
    servers: full.servers,
    security: full.security,
    paths,
    components: { securitySchemes: fullComponents.securitySchemes, schemas },
  };
}

/** The trimmed description as committed: stable key order from the converter, two-space indent. */
export function serializeSpec(spec: JsonObject): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

/** TypeScript types for openapi-fetch, as committed in src/generated/argo.ts. */
export async function generateTypes(spec: JsonObject): Promise<string> {
  const ast = await openapiTS(structuredClone(spec) as unknown as Parameters<typeof openapiTS>[0], {
    alphabetize: true,
  });
  const header =
    "/**\n * Generated by scripts/generate.ts from spec/argo-openapi.json (Argo Workflows, Apache-2.0).\n" +
    " * Do not edit: run `pnpm run generate` in packages/worker-argo.\n */\n\n";
  return header + astToString(ast);
}
