/**
 * Regenerates spec/argo-openapi.json and src/generated/argo.ts.
 * Usage: pnpm run generate [path/to/argo-workflows-swagger.json[.gz]]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { convertAndTrim, generateTypes, readSwagger, serializeSpec } from "./argo-spec.js";
import { GENERATED_TYPES_FILE, ORIGIN, SPEC_FILE, SWAGGER_FILE } from "./paths.js";

const swagger = JSON.parse(readSwagger(process.argv[2] ?? SWAGGER_FILE)) as object;
const spec = await convertAndTrim(swagger, ORIGIN);
await writeFile(SPEC_FILE, serializeSpec(spec));
await mkdir(new URL(".", GENERATED_TYPES_FILE), { recursive: true });
await writeFile(GENERATED_TYPES_FILE, await generateTypes(spec));
console.log(`wrote ${SPEC_FILE.pathname} and ${GENERATED_TYPES_FILE.pathname}`);
