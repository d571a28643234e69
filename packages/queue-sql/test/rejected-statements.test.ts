import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { testDatabaseUrl } from "../src/testing/index.js";

const run = promisify(execFile);
const script = fileURLToPath(new URL("./fixtures/rejected-statements.mjs", import.meta.url));
const STATEMENTS = 20_000;

interface Usage {
  heapUsed: number;
  rss: number;
}

// postgres.js cached an origin stack under the strings array of every failed unsafe() statement, a fresh array per
// call: each statement PostgreSQL rejected stayed on the heap for good (patches/postgres@3.4.9.patch).
it(`${STATEMENTS} statements that PostgreSQL rejects leave the heap where it was`, async () => {
  const url = await testDatabaseUrl();
  const { stdout } = await run(process.execPath, ["--expose-gc", script, url, String(STATEMENTS)]);
  const { before, after } = JSON.parse(stdout) as { before: Usage; after: Usage };
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  console.log(
    `${STATEMENTS} rejected statements: heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)} MB, ` +
      `RSS ${mb(before.rss)} → ${mb(after.rss)} MB`,
  );
  // Without the patch the heap grows by about 6 MB here (more with longer statements); with it, by nothing.
  expect(after.heapUsed - before.heapUsed).toBeLessThan(2 * 1024 * 1024);
});
