import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateTypes } from "../scripts/generate-types.js";

describe("src/generated/openapi.ts", () => {
  it("matches resources/openapi.json (run `pnpm --filter @task-queue/api-client generate` when it does not)", async () => {
    const spec = readFileSync(new URL("../../../resources/openapi.json", import.meta.url), "utf8");
    const committed = readFileSync(new URL("../src/generated/openapi.ts", import.meta.url), "utf8");
    expect(committed).toBe(await generateTypes(spec));
  });
});
