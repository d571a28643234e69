import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convertAndTrim, generateTypes, serializeSpec } from "../scripts/argo-spec.js";
import { GENERATED_TYPES_FILE, ORIGIN, SPEC_FILE, SWAGGER_FILE } from "../scripts/paths.js";

describe("generated Argo client (run `pnpm run generate` when these fail)", () => {
  const committedSpec = readFileSync(SPEC_FILE, "utf8");

  it("src/generated/argo.ts matches the committed spec/argo-openapi.json", async () => {
    const expected = await generateTypes(JSON.parse(committedSpec));
    expect(readFileSync(GENERATED_TYPES_FILE, "utf8")).toBe(expected);
  });

  // Argo's swagger.json lives beside the checkout (../shared/argo), not in the repository.
  it.runIf(existsSync(SWAGGER_FILE))("spec/argo-openapi.json matches Argo's swagger.json", async () => {
    const swagger = JSON.parse(readFileSync(SWAGGER_FILE, "utf8")) as object;
    expect(committedSpec).toBe(serializeSpec(await convertAndTrim(swagger, ORIGIN)));
  });

  it("keeps every $ref of the trimmed description inside it", () => {
    const spec = JSON.parse(committedSpec) as { components: { schemas: Record<string, unknown> } };
    const refs = [...committedSpec.matchAll(/"\$ref": "#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((name) => !((name as string) in spec.components.schemas))).toEqual([]);
  });
});
