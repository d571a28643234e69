import { randomUUID } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";

/**
 * The marker that names the file a README's TypeScript block must equal, on the line just before the block:
 * `<!-- example: test/readme/basic.ts -->`, the path relative to the README.
 */
const MARKER = /^<!-- example: (\S+) -->$/;

/** One ```ts block of a README: where it starts, the example file its marker names, and its code. */
export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The path the marker before the block names (relative to the README), or undefined without a marker. */
  example: string | undefined;
  /** The lines between the fences, each ending with a newline, as a file holding exactly them would read. */
  code: string;
}

/** Every ```ts block of a Markdown text, in order. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index] !== "```ts") continue;
    const end = lines.indexOf("```", index + 1);
    if (end < 0) throw new Error(`the \`\`\`ts block at line ${index + 1} is never closed`);
    const code = lines.slice(index + 1, end).map((line) => `${line}\n`);
    blocks.push({ line: index + 1, example: MARKER.exec(lines[index - 1] ?? "")?.[1], code: code.join("") });
    index = end;
  }
  return blocks;
}

/**
 * What differs between a README's ```ts blocks and the example files their markers name: one message per block
 * with no marker, a missing file, or a file that is not byte-for-byte the block. Empty when the README is true.
 */
export async function readmeExampleMismatches(readme: URL): Promise<string[]> {
  const problems: string[] = [];
  for (const block of readmeBlocks(await readFile(readme, "utf8"))) {
    const where = `${readme.pathname}:${block.line}`;
    if (block.example === undefined) {
      problems.push(`${where}: no <!-- example: <file> --> marker before the block`);
      continue;
    }
    const file = new URL(block.example, readme);
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) problems.push(`${where}: ${block.example} does not exist`);
    else if (text !== block.code) problems.push(`${where}: differs from ${block.example}`);
  }
  return problems;
}

/** What running an example printed with console.log (one array of arguments per call), and what it exports. */
export interface ExampleRun {
  logs: unknown[][];
  exports: Record<string, unknown>;
}

/**
 * Runs an example file (imports it, so its top-level code runs) and returns what it logged and exported. Each replacement
 * swaps text of the example before it runs (a URL of the README for a loopback server's, say) and must occur in
 * it; the edited copy is written next to the example, so its imports resolve the same way, and removed after.
 */
export async function runExample(
  file: URL,
  replacements: ReadonlyArray<readonly [string, string]> = [],
): Promise<ExampleRun> {
  let target = file;
  if (replacements.length > 0) {
    let text = await readFile(file, "utf8");
    for (const [from, to] of replacements) {
      if (!text.includes(from)) throw new Error(`${file.pathname} does not contain ${JSON.stringify(from)}`);
      text = text.replaceAll(from, to);
    }
    target = new URL(`./.run-${randomUUID()}.ts`, file);
    await writeFile(target, text);
  }
  const logs: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    logs.push(args);
  };
  try {
    const module: Record<string, unknown> = await import(target.href);
    return { logs, exports: { ...module } };
  } finally {
    console.log = log;
    if (target !== file) await rm(target, { force: true });
  }
}
