import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
  const content =
    "// Generated from public/ by scripts/embed-public.ts (run by build): do not edit.\n" +
    `export const PUBLIC_ASSETS: Readonly<Record<string, string>> = ${JSON.stringify(assets, null, 2)};\n`;
  // The tests' config runs this while turbo may run this package's typecheck, whose tsc reads the file: a file
  // rewritten in place was once read half-written ("Unterminated string literal", CI 2026-12-02). So an unchanged
  // file is left alone, and a changed one is written beside it and renamed over it, which a reader sees whole or not.
  if (existsSync(target) && readFileSync(target, "utf8") === content) return target;
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  writeFileSync(partial, content);
  renameSync(partial, target);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) embedPublic();
