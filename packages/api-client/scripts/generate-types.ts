import openapiTS, { astToString } from "openapi-typescript";

/** The TypeScript types of an OpenAPI document, as committed in src/generated/openapi.ts. */
export async function generateTypes(document: string): Promise<string> {
  const ast = await openapiTS(document);
  return `// Generated from resources/openapi.json by openapi-typescript (pnpm --filter @task-queue/api-client generate).\n// Do not edit: change the server's routes, write the spec, then regenerate.\n\n${astToString(ast)}`;
}
