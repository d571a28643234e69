import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateTypes } from "./generate-types.js";

const spec = readFileSync(new URL("../../../resources/openapi.json", import.meta.url), "utf8");
const target = fileURLToPath(new URL("../src/generated/openapi.ts", import.meta.url));
writeFileSync(target, await generateTypes(spec));
console.log(`wrote ${target}`);
