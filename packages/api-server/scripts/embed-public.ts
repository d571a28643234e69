import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SWAGGER_UI_FILES = ["swagger-ui.css", "swagger-ui-bundle.js"];

/**
 * Writes public/'s files and Swagger UI's into src/generated/public-assets.ts as strings, so the server reads no file at import or in
 * createApp: it then runs as a one-file bundle and on runtimes without a file system. Run by build (and by the
 * tests' config); the output is not committed.
 */
export function embedPublic(): string {
  const publicDir = resolve(packageDir, "public");
  const assets: Record<string, string> = Object.fromEntries(
    readdirSync(publicDir)
      .sort()
      .map((file) => [file, readFileSync(resolve(publicDir, file), "utf8")]),
  );
  // Swagger UI's viewer for /docs, from the swagger-ui-dist package.
  const requireHere = createRequire(resolve(packageDir, "package.json"));
  for (const file of SWAGGER_UI_FILES) {
    assets[`swagger-ui/${file}`] = readFileSync(requireHere.resolve(`swagger-ui-dist/${file}`), "utf8");
  }
  const target = resolve(packageDir, "src/generated/public-assets.ts");
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(
    target,
    "// Generated from public/ by scripts/embed-public.ts (run by build): do not edit.\n" +
      `export const PUBLIC_ASSETS: Readonly<Record<string, string>> = ${JSON.stringify(assets, null, 2)};\n`,
  );
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) embedPublic();
