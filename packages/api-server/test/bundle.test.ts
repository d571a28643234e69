import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), "bundle/entry.ts");

/**
 * The server as one file with no Node built-ins: no file is read at import or in createApp (public/ is embedded at
 * build), and hashing and ids use Web Crypto. Bundled for the neutral platform (a node: import fails the build),
 * then run outside the workspace, where nothing but the bundle can be loaded.
 */
describe("api-server bundled with esbuild into one file", () => {
  const folder = mkdtempSync(join(tmpdir(), "tq-bundle-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("builds without Node built-ins and serves requests from the fetch handler on the memory queue", async () => {
    const outfile = join(folder, "server.mjs");
    const result = await build({
      entryPoints: [ENTRY],
      outfile,
      bundle: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      conditions: ["import", "default"],
      target: "es2022",
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(statSync(outfile).size).toBeGreaterThan(0);

    const { stdout } = await run(process.execPath, [outfile], { cwd: folder });
    const results = JSON.parse(stdout) as Record<string, unknown>;
    expect(results).toMatchObject({
      healthz: 200,
      unauthorized: 401,
      sizes: { WAITING: 1, PROCESSING: 0, SUCCESS: 0, FAIL: 0 },
      dashboard: [200, true],
    });
    expect(results.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
