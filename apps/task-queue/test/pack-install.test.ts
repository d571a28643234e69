import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
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

/** Runs tsc on one file with skipLibCheck false and the given module resolution; returns what it printed. */
async function typecheck(project: string, file: string, resolution: "node16" | "bundler"): Promise<string> {
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
  writeFileSync(join(project, config), JSON.stringify({ compilerOptions, files: [file] }));
  const result = await run(process.execPath, [TSC, "-p", config], { cwd: project }).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  );
  return result.stdout;
}

/** npm install into a new project folder (an ES module package), copying the fixtures of `fixtures` into it. */
async function installProject(project: string, specs: string[], fixtures: string): Promise<void> {
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], {
    cwd: project,
    maxBuffer: 16 << 20,
  });
  for (const file of readdirSync(fixtures)) {
    if (statSync(join(fixtures, file)).isFile()) copyFileSync(join(fixtures, file), join(project, file));
  }
}

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
  const tarballOf = new Map<string, string>();
  const tarball = (name: string): string => {
    const file = tarballOf.get(name);
    if (file === undefined) throw new Error(`${name} was not packed`);
    return file;
  };

  beforeAll(async () => {
    mkdirSync(tarballs);
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
      tarballOf.set(packed.name, packed.filename);
    }
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    await installProject(project, [...files, "@types/node@20"], FIXTURES);
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
    it(`typechecks a TypeScript consumer of every entry point with moduleResolution ${resolution} and skipLibCheck false`, async () => {
      expect(await typecheck(project, "consumer.ts", resolution)).toBe("");
    });
  }

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
    });
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
    });
  });

  describe("a PostgreSQL-only install: queue-core, queue-sql and postgres", () => {
    const pgProject = join(root, "postgres-only");
    const tableName = randomTableName("tq_pack");
    let url: string;

    beforeAll(async () => {
      url = await testDatabaseUrl();
      const specs = ["@task-queue/queue-core", "@task-queue/queue-sql"].map(tarball);
      await installProject(
        pgProject,
        [...specs, "postgres@3", "@types/node@20"],
        join(FIXTURES, "postgres-only"),
      );
    }, 600_000);
    afterAll(async () => {
      if (url !== undefined) await dropQueueTable(url, tableName);
    });

    it("pulls in neither PGlite nor the other packages", () => {
      expect(existsSync(join(pgProject, "node_modules/@electric-sql/pglite"))).toBe(false);
      expect(existsSync(join(pgProject, "node_modules/postgres"))).toBe(true);
      expect(readdirSync(join(pgProject, "node_modules/@task-queue")).sort()).toEqual([
        "queue-core",
        "queue-sql",
      ]);
    });

    for (const resolution of ["node16", "bundler"] as const) {
      it(`typechecks with moduleResolution ${resolution} and skipLibCheck false`, async () => {
        expect(await typecheck(pgProject, "consumer.ts", resolution)).toBe("");
      });
    }

    it("runs a queue on the server, adopts a postgres.js client, and names the package the PGlite default needs", async () => {
      const { stdout } = await run(process.execPath, ["run.mjs", url, tableName], { cwd: pgProject });
      expect(JSON.parse(stdout)).toEqual({
        taken: [["a", { n: 1 }]],
        processing: 1,
        withoutPglite:
          "a pglite connection needs the @electric-sql/pglite package: npm install @electric-sql/pglite",
      });
    });
  });

  describe("an in-memory events install: queue-core and queue-events, no queue-sql", () => {
    const eventsProject = join(root, "memory-events");

    beforeAll(async () => {
      const specs = ["@task-queue/queue-core", "@task-queue/queue-events"].map(tarball);
      await installProject(eventsProject, specs, join(FIXTURES, "memory-events"));
    }, 600_000);

    it("records a whole life without queue-sql installed", async () => {
      expect(existsSync(join(eventsProject, "node_modules/@task-queue/queue-sql"))).toBe(false);
      const { stdout } = await run(process.execPath, ["run.mjs"], { cwd: eventsProject });
      expect(JSON.parse(stdout)).toEqual(["WAITING", "PROCESSING", "SUCCESS"]);
    });
  });
});
