import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convertAndTrim, generateTypes, readSwagger, serializeSpec } from "../scripts/argo-spec.js";
import { GENERATED_TYPES_FILE, ORIGIN, SPEC_FILE, SWAGGER_FILE, SWAGGER_SHA256 } from "../scripts/paths.js";

describe("generated Argo client (run `pnpm run generate` when these fail)", () => {
  const committedSpec = readFileSync(SPEC_FILE, "utf8");

  it("src/generated/argo.ts matches the committed spec/argo-openapi.json", async () => {
    const expected = await generateTypes(JSON.parse(committedSpec));
    expect(readFileSync(GENERATED_TYPES_FILE, "utf8")).toBe(expected);
  });

  // Argo's swagger.json is committed (upstream/, gzipped): the check runs on every clone, in CI too.
  it("spec/argo-openapi.json matches Argo's swagger.json, which is the file Argo published", async () => {
    const text = readSwagger(SWAGGER_FILE);
    expect(createHash("sha256").update(text).digest("hex")).toBe(SWAGGER_SHA256);
    const swagger = JSON.parse(text) as object;
    expect(committedSpec).toBe(serializeSpec(await convertAndTrim(swagger, ORIGIN)));
  });

  it("keeps every $ref of the trimmed description inside it", () => {
    const spec = JSON.parse(committedSpec) as { components: { schemas: Record<string, unknown> } };
    const refs = [...committedSpec.matchAll(/"\$ref": "#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((name) => !((name as string) in spec.components.schemas))).toEqual([]);
  });
});
