// API reports: one file per published entry point (packages/<pkg>/api/<entry>.api.md), listing every exported name
// with its declaration as the built .d.ts has it (after stripInternal), so a change of public surface shows up as a
// diff in review. Also checks that each package README's "## API" section lists exactly the exported names.
//
//   tsx scripts/api-report.ts           write the reports (pnpm api:update)
//   tsx scripts/api-report.ts --check   exit 1 if a report is stale or a README's API section does not match
//
// Why not API Extractor: it takes one entry point per run (microsoft/rushstack#1596), and our packages have up to
// five (queue-sql: ".", "./postgres", "./pglite", "./internal", "./testing"); one TypeScript program over all the
// built entry points does every package in one pass, with no extra dependency.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface EntryPoint {
  /** The import specifier users write: `@task-queue/queue-sql/postgres`. */
  specifier: string;
  /** The report's file name without `.api.md`: `index` for ".", else the subpath. */
  file: string;
  /** The built .d.ts the export's `types` condition points at. */
  types: string;
}

interface Package {
  name: string;
  dir: string;
  entries: EntryPoint[];
}

interface PackageJson {
  name: string;
  private?: boolean;
  exports?: Record<string, string | { types?: string }>;
}

function publishedPackages(): Package[] {
  const packages: Package[] = [];
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, name);
      const manifestPath = join(dir, "package.json");
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as PackageJson;
      if (manifest.private || !manifest.exports) continue;
      const entries: EntryPoint[] = [];
      for (const [key, target] of Object.entries(manifest.exports)) {
        const types = typeof target === "string" ? undefined : target.types;
        if (!types) continue;
        const subpath = key === "." ? "" : key.slice(2);
        entries.push({
          specifier: subpath ? `${manifest.name}/${subpath}` : manifest.name,
          file: subpath ? subpath.replaceAll("/", "-") : "index",
          types: join(dir, types),
        });
      }
      if (entries.length > 0) packages.push({ name: manifest.name, dir, entries });
    }
  }
  return packages;
}

/** The workspace package (or node_modules package) a declaration file belongs to. */
function owningPackage(fileName: string, packages: Package[]): string {
  const real = realpathSync(fileName);
  const own = packages.find((p) => real.startsWith(p.dir + sep));
  if (own) return own.name;
  const parts = real.split(`${sep}node_modules${sep}`).at(-1)?.split(sep) ?? [];
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? real);
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

function declarationText(declaration: ts.Declaration): string {
  const sourceFile = declaration.getSourceFile();
  if (ts.isVariableDeclaration(declaration)) {
    const list = declaration.parent;
    const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : "var";
    return `export declare ${keyword} ${printer.printNode(ts.EmitHint.Unspecified, declaration, sourceFile)};`;
  }
  return printer.printNode(ts.EmitHint.Unspecified, declaration, sourceFile);
}

/** The symbol an export stands for (through `export { x } from` and `import`/`export` aliases). */
function resolved(symbol: ts.Symbol, checker: ts.TypeChecker): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Every symbol some entry point of some package exports: what a user can name. */
function exportedAnywhere(packages: Package[], program: ts.Program): Set<ts.Symbol> {
  const checker = program.getTypeChecker();
  const symbols = new Set<ts.Symbol>();
  for (const entry of packages.flatMap((p) => p.entries)) {
    const sourceFile = program.getSourceFile(entry.types);
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      symbols.add(resolved(exported, checker));
    }
  }
  return symbols;
}

/**
 * The declarations of ours that `node` names in a type (a reference, a heritage clause, a typeof) but that no entry
 * point exports (API Extractor's "forgotten export"): users meet these types and cannot name them.
 */
function forgottenIn(node: ts.Node, context: ReportContext, into: Set<string>): void {
  const { checker, packages, exported } = context;
  const visit = (child: ts.Node): void => {
    let name: ts.Node | undefined;
    if (ts.isTypeReferenceNode(child)) name = child.typeName;
    else if (ts.isExpressionWithTypeArguments(child)) name = child.expression;
    else if (ts.isTypeQueryNode(child)) name = child.exprName;
    while (name && (ts.isQualifiedName(name) || ts.isPropertyAccessExpression(name))) {
      name = ts.isQualifiedName(name) ? name.left : name.expression;
    }
    const found = name && checker.getSymbolAtLocation(name);
    const symbol = found && resolved(found, checker);
    const declarations = symbol?.declarations ?? [];
    if (
      symbol &&
      !(
        symbol.flags &
        (ts.SymbolFlags.TypeParameter | ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)
      ) &&
      declarations.length > 0 &&
      declarations.every((d) =>
        packages.some((p) => p.name === owningPackage(d.getSourceFile().fileName, packages)),
      ) &&
      !exported.has(symbol)
    ) {
      into.add(symbol.name);
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
}

interface ReportContext {
  checker: ts.TypeChecker;
  packages: Package[];
  exported: Set<ts.Symbol>;
}

function report(entry: EntryPoint, pkg: Package, context: ReportContext, program: ts.Program): Report {
  const { checker, packages } = context;
  const sourceFile = program.getSourceFile(entry.types);
  if (!sourceFile)
    throw new Error(`${entry.specifier}: ${relative(root, entry.types)} is missing (run pnpm build)`);
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  const blocks: string[] = [];
  const names: string[] = [];
  const forgotten = new Set<string>();
  for (const exported of [...exports].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    names.push(exported.name);
    const symbol = resolved(exported, checker);
    const declarations = symbol.declarations ?? [];
    const lines: string[] = [];
    if (symbol.name !== exported.name) lines.push(`// exported as ${exported.name}`);
    const from = new Set<string>();
    for (const declaration of declarations) {
      const owner = owningPackage(declaration.getSourceFile().fileName, packages);
      if (owner === pkg.name) {
        lines.push(declarationText(declaration));
        forgottenIn(declaration, context, forgotten);
      } else from.add(owner);
    }
    for (const owner of from) lines.push(`export { ${symbol.name} } from "${owner}";`);
    if (declarations.length === 0)
      lines.push(`export { ${exported.name} } from "${reExportSource(exported)}";`);
    blocks.push(lines.join("\n"));
  }
  const text = [
    `## API report for \`${entry.specifier}\``,
    "",
    "> Generated from the built .d.ts by `pnpm api:update` (scripts/api-report.ts); do not edit. A diff here is a",
    "> change of public surface: review it, and keep the README's API section in step.",
    "",
    "```ts",
    blocks.join("\n\n"),
    "```",
    "",
    ...(forgotten.size > 0
      ? [
          "Named above but exported by no entry point (users cannot name these types): " +
            [...forgotten]
              .sort()
              .map((name) => `\`${name}\``)
              .join(", ") +
            ".",
          "",
        ]
      : []),
  ].join("\n");
  return { entry, pkg, names, text, path: join(pkg.dir, "api", `${entry.file}.api.md`) };
}

interface Report {
  entry: EntryPoint;
  pkg: Package;
  names: string[];
  text: string;
  path: string;
}

/**
 * The names a README's "## API" section presents as exports, per entry point: the backticked names in the first
 * column of every table whose header's first cell is "Export", under the nearest `### \`<specifier>\`` heading.
 */
function readmeExports(readme: string): { found: boolean; byEntry: Map<string, string[]> } {
  const byEntry = new Map<string, string[]>();
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => /^## API\s*$/.test(line));
  if (start < 0) return { found: false, byEntry };
  let entry: string | undefined;
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (/^## /.test(line)) break;
    const heading = /^###\s+`([^`]+)`/.exec(line);
    if (heading) {
      entry = heading[1];
      inTable = false;
      continue;
    }
    if (!line.startsWith("|")) {
      inTable = false;
      continue;
    }
    const firstCell = line.split("|")[1]?.trim() ?? "";
    if (!inTable) {
      inTable = firstCell === "Export";
      continue;
    }
    if (/^:?-+:?$/.test(firstCell) || entry === undefined) continue;
    const names = byEntry.get(entry) ?? [];
    for (const match of firstCell.matchAll(/`([A-Za-z_$][\w$]*)`/g)) names.push(match[1] as string);
    byEntry.set(entry, names);
  }
  return { found: true, byEntry };
}

function readmeProblems(pkg: Package, reports: Report[]): string[] {
  const readmePath = join(pkg.dir, "README.md");
  const where = relative(root, readmePath);
  const { found, byEntry } = readmeExports(existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "");
  if (!found) return [`${where}: no "## API" section`];
  const problems: string[] = [];
  for (const { entry, names } of reports) {
    const listed = byEntry.get(entry.specifier);
    if (!listed) {
      problems.push(`${where}: no "### \`${entry.specifier}\`" with an "| Export |" table under "## API"`);
      continue;
    }
    const missing = names.filter((name) => !listed.includes(name));
    const extra = listed.filter((name) => !names.includes(name));
    if (missing.length)
      problems.push(`${where}: ${entry.specifier} exports ${missing.join(", ")}, not listed`);
    if (extra.length)
      problems.push(`${where}: ${entry.specifier} does not export ${extra.join(", ")}, listed`);
  }
  for (const specifier of byEntry.keys()) {
    if (!reports.some((r) => r.entry.specifier === specifier)) {
      problems.push(`${where}: "### \`${specifier}\`" is not an entry point of ${pkg.name}`);
    }
  }
  return problems;
}

const compilerOptions: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  noLib: true,
  types: [],
  noEmit: true,
};

/**
 * A compiler host that reads our packages' .d.ts and answers every other file (third-party types, @types/node:
 * 90% of the 8 MB the program would otherwise parse) with an empty module. The reports need the syntax of our
 * declarations and the aliases between our entry points and packages, never a third-party type.
 */
function workspaceOnlyHost(packages: Package[]): ts.CompilerHost {
  const host = ts.createCompilerHost(compilerOptions);
  const ours = (fileName: string): boolean => {
    if (!existsSync(fileName)) return false;
    const real = realpathSync(fileName);
    return packages.some(
      (p) => real.startsWith(p.dir + sep) && !real.slice(p.dir.length).includes(`${sep}node_modules${sep}`),
    );
  };
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
    ours(fileName)
      ? getSourceFile(fileName, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(fileName, "export {};", languageVersion);
  return host;
}

/** Where an export whose declaration was not read (a third-party one) comes from, as its export statement says. */
function reExportSource(exported: ts.Symbol): string {
  for (const declaration of exported.declarations ?? []) {
    let node: ts.Node = declaration;
    while (!ts.isSourceFile(node) && !ts.isExportDeclaration(node)) node = node.parent;
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      return node.moduleSpecifier.text;
    }
  }
  return "(unresolved)";
}

function main(): void {
  const check = process.argv.includes("--check");
  const packages = publishedPackages();
  const entries = packages.flatMap((p) => p.entries);
  const program = ts.createProgram({
    rootNames: entries.map((e) => e.types),
    options: compilerOptions,
    host: workspaceOnlyHost(packages),
  });
  const context: ReportContext = {
    checker: program.getTypeChecker(),
    packages,
    exported: exportedAnywhere(packages, program),
  };
  const problems: string[] = [];
  for (const pkg of packages) {
    const reports = pkg.entries.map((entry) => report(entry, pkg, context, program));
    for (const r of reports) {
      const current = existsSync(r.path) ? readFileSync(r.path, "utf8") : undefined;
      if (current === r.text) continue;
      if (check) problems.push(`${relative(root, r.path)} is ${current === undefined ? "missing" : "stale"}`);
      else {
        mkdirSync(dirname(r.path), { recursive: true });
        writeFileSync(r.path, r.text);
        console.log(`wrote ${relative(root, r.path)}`);
      }
    }
    const apiDir = join(pkg.dir, "api");
    for (const file of existsSync(apiDir) ? readdirSync(apiDir) : []) {
      if (reports.some((r) => r.path === join(apiDir, file))) continue;
      if (check) problems.push(`${relative(root, join(apiDir, file))} is no entry point's report`);
      else rmSync(join(apiDir, file));
    }
    problems.push(...readmeProblems(pkg, reports));
  }
  const count = `${entries.length} entry points in ${packages.length} packages`;
  if (problems.length) {
    for (const problem of problems) console.error(problem);
    if (check) console.error("API reports: run `pnpm api:update` after `pnpm build` and review the diff.");
    console.error(`API reports: ${problems.length} problem(s) over ${count}.`);
    process.exit(1);
  }
  console.log(`API reports: ${count} ${check ? "up to date" : "written"}; READMEs match.`);
}

main();
