import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, eventually, REPO_ROOT, runCli, startCli } from "./support/cli-process.js";

const run = promisify(execFile);
const FIXTURES = resolve(REPO_ROOT, "apps/task-queue/test/pack-install");
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");
/** Every published package: packages/* and the CLI. */
const PACKAGE_DIRS = [
  ...readdirSync(resolve(REPO_ROOT, "packages")).map((name) => resolve(REPO_ROOT, "packages", name)),
  resolve(REPO_ROOT, "apps/task-queue"),
];

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  repository?: { type: string; url: string; directory: string };
  homepage?: string;
  bugs?: { url: string };
  keywords?: string[];
  publishConfig?: { access?: string; provenance?: boolean };
  engines?: { node?: string };
  exports?: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * What a user gets from npm: every package packed as it would be published, installed with npm into a project
 * outside the workspace, then used from TypeScript (node16 and bundler resolution, skipLibCheck false), from an ES
 * module and from CommonJS, and the installed CLI's `dev` started and asked for /healthz. README's Install section
 * runs these same commands.
 */
describe("the packed packages, installed with npm outside the workspace", () => {
  const root = mkdtempSync(join(tmpdir(), "tq-pack-"));
  const tarballs = join(root, "tarballs");
  const project = join(root, "project");
  const contents = new Map<string, { files: Array<{ path: string; mode: number }>; manifest: Manifest }>();

  beforeAll(async () => {
    mkdirSync(tarballs);
    mkdirSync(project);
    for (const dir of PACKAGE_DIRS) {
      const { stdout } = await run("pnpm", ["pack", "--json", "--pack-destination", tarballs], { cwd: dir });
      const packed = JSON.parse(stdout) as { name: string; filename: string };
      const listing = await run("tar", ["-tvzf", packed.filename]);
      const files = listing.stdout
        .trim()
        .split("\n")
        .map((line) => {
          const parts = line.trim().split(/\s+/);
          const mode = parts[0] ?? "";
          return {
            path: (parts.at(-1) ?? "").replace(/^package\//, ""),
            mode: mode.includes("x") ? 0o755 : 0o644,
          };
        });
      const manifest = JSON.parse(
        (await run("tar", ["-xzOf", packed.filename, "package/package.json"], { maxBuffer: 1 << 20 })).stdout,
      ) as Manifest;
      contents.set(packed.name, { files, manifest });
    }
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
    );
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files, "@types/node@20"], {
      cwd: project,
      maxBuffer: 16 << 20,
    });
    for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(project, file));
  }, 600_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it("packs every package with LICENSE, README, publish metadata, no source maps and no tests", () => {
    expect([...contents.keys()].sort()).toHaveLength(PACKAGE_DIRS.length);
    for (const [name, { files, manifest }] of contents) {
      const paths = files.map((file) => file.path);
      expect(paths, name).toContain("LICENSE");
      expect(paths, name).toContain("README.md");
      expect(
        paths.filter((path) => path.endsWith(".map")),
        name,
      ).toEqual([]);
      expect(
        paths.filter((path) => /(^|\/)test\/|\.test\.[jt]s$/.test(path)),
        name,
      ).toEqual([]);
      expect(manifest.private, name).toBeUndefined();
      expect(manifest.license, name).toBe("Apache-2.0");
      expect(manifest.repository?.directory, name).toMatch(/^(packages|apps)\//);
      expect(manifest.homepage && manifest.bugs?.url && manifest.keywords?.length, name).toBeTruthy();
      expect(manifest.publishConfig, name).toMatchObject({ access: "public", provenance: true });
      expect(manifest.engines?.node, name).toBe(">=20.19");
      for (const [entry, conditions] of Object.entries(manifest.exports ?? {})) {
        expect(conditions.default, `${name} ${entry}`).toBe(conditions.import);
      }
      // workspace: ranges are replaced by versions when packed.
      const ranges = Object.values({ ...manifest.dependencies, ...manifest.peerDependencies });
      expect(
        ranges.filter((range) => range.startsWith("workspace:")),
        name,
      ).toEqual([]);
    }
    for (const [name, { manifest }] of contents) {
      if (name === "@task-queue/queue-core" || name === "@task-queue/cli") continue;
      expect(manifest.peerDependencies?.["@task-queue/queue-core"], name).toBe("^0");
      expect(manifest.dependencies?.["@task-queue/queue-core"], name).toBeUndefined();
    }
    const cli = contents.get("@task-queue/cli")?.files ?? [];
    expect(cli.find((file) => file.path === "dist/main.js")?.mode).toBe(0o755);
    for (const script of ["examples/scripts/hello.sh", "examples/scripts/work.mjs"]) {
      expect(cli.find((file) => file.path === script)?.mode, script).toBe(0o755);
    }
    expect(cli.map((file) => file.path)).toContain("examples/items.json");
  });

  for (const resolution of ["node16", "bundler"] as const) {
    it(`typechecks a TypeScript consumer with moduleResolution ${resolution} and skipLibCheck false`, async () => {
      const compilerOptions = {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        target: "ES2022",
        module: resolution === "node16" ? "node16" : "esnext",
        moduleResolution: resolution,
        types: ["node"],
      };
      const config = `tsconfig.${resolution}.json`;
      writeFileSync(join(project, config), JSON.stringify({ compilerOptions, files: ["consumer.ts"] }));
      const result = await run(process.execPath, [TSC, "-p", config], { cwd: project }).catch(
        (error: { stdout: string }) => ({ stdout: error.stdout }),
      );
      expect(result.stdout).toBe("");
    });
  }

  it("typechecks the SQL packages' public types (still with skipLibCheck: drizzle's and PGlite's own types fail)", async () => {
    const compilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: "node16",
      types: ["node"],
    };
    writeFileSync(
      join(project, "tsconfig.sql.json"),
      JSON.stringify({ compilerOptions, files: ["consumer-sql.ts"] }),
    );
    const result = await run(process.execPath, [TSC, "-p", "tsconfig.sql.json"], { cwd: project }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout }),
    );
    expect(result.stdout).toBe("");
  });

  it("runs an ES module consumer", async () => {
    const { stdout } = await run(process.execPath, ["esm.mjs"], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      stage: "SUCCESS",
      refused: "SUCCESS",
      sqlWaiting: 1,
      health: 200,
      clientType: "function",
    });
  });

  it("runs a CommonJS consumer that require()s every package", async () => {
    const { stdout } = await run(process.execPath, ["cjs.cjs"], { cwd: project });
    const result = JSON.parse(stdout) as { loaded: Record<string, number>; stage: string };
    expect(result.stage).toBe("WAITING");
    expect(Object.keys(result.loaded)).toHaveLength(10);
    for (const [name, exports] of Object.entries(result.loaded)) expect(exports, name).toBeGreaterThan(0);
  });

  describe("the installed CLI", () => {
    const main = () => join(project, "node_modules/@task-queue/cli/dist/main.js");
    let dev: CliProcess;
    let url: string;

    beforeAll(async () => {
      dev = startCli(["dev", "--port", "0", "--periodic-seconds", "0.2"], {}, project, main());
      url = String((await dev.waitForLog((log) => log.msg === "API server listening")).url);
    }, 120_000);
    afterAll(async () => {
      await dev?.stop("SIGKILL");
    });

    it("dev serves /healthz and runs the example items with the scripts it ships", async () => {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const scripts = join(project, "node_modules/@task-queue/cli/examples/scripts");
      expect(dev.lines.join("\n")).toContain(`Scripts:  ${scripts}`);
      const items = join(project, "node_modules/@task-queue/cli/examples/items.json");
      const put = await runCli(["put", items, "--url", url, "--output", "json"], {}, project, main());
      expect(put.code).toBe(0);
      expect(JSON.parse(put.stdout)).toMatchObject({ added: 10 });
      const cli = async (...args: string[]) =>
        JSON.parse((await runCli([...args, "--url", url, "--output", "json"], {}, project, main())).stdout);
      await eventually(async () => {
        const sizes = (await cli("sizes")) as Record<string, number>;
        return (sizes.SUCCESS ?? 0) + (sizes.FAIL ?? 0) === 10 ? sizes : undefined;
      }, 500);
      expect(((await cli("ids", "FAIL")) as string[]).sort()).toEqual(["hello-fail", "job-03", "job-07"]);
    }, 120_000);
  });
});
