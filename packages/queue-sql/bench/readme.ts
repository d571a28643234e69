// Writes the benchmark table of README.md from bench/results.json: pnpm --filter @task-queue/queue-sql bench:readme
import { readFile, writeFile } from "node:fs/promises";
import { type BenchResults, withTable } from "./results.js";

const readmeFile = new URL("../README.md", import.meta.url);
const results = JSON.parse(await readFile(new URL("results.json", import.meta.url), "utf8")) as BenchResults;
await writeFile(readmeFile, withTable(await readFile(readmeFile, "utf8"), results));
