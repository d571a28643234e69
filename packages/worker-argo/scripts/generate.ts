/**
 * Regenerates spec/argo-openapi.json and src/generated/argo.ts.
 * Usage: pnpm run generate [path/to/argo-workflows-swagger.json]
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { convertAndTrim, generateTypes, serializeSpec } from "./argo-spec.js";
import { GENERATED_TYPES_FILE, ORIGIN, SPEC_FILE, SWAGGER_FILE } from "./paths.js";

const swaggerPath = process.argv[2] ?? SWAGGER_FILE;
const swagger = JSON.parse(await readFile(swaggerPath, "utf8")) as object;
const spec = await convertAndTrim(swagger, ORIGIN);
await writeFile(SPEC_FILE, serializeSpec(spec));
await mkdir(new URL(".", GENERATED_TYPES_FILE), { recursive: true });
await writeFile(GENERATED_TYPES_FILE, await generateTypes(spec));
console.log(`wrote ${SPEC_FILE.pathname} and ${GENERATED_TYPES_FILE.pathname}`);
