import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type ItemId, type JsonValue, percentile, type Queue, type StageName } from "@task-queue/queue-core";
import { Option } from "commander";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "../cli.js";
import type { Result } from "../client/output.js";
import type { ClientCommand } from "./client.js";
import { durationOption } from "./purge.js";

type Outcome = "SUCCESS" | "FAIL";

/** Items for the process worker's example scripts (examples/scripts), each with the outcome it must reach. */
const PLAN: ReadonlyArray<{ body: JsonValue; expect: Outcome }> = [
  { body: { file_name: "hello.sh", args: ["e2e"] }, expect: "SUCCESS" },
  { body: { file_name: "work.mjs", args: ["0", "succeed"] }, expect: "SUCCESS" },
  { body: { file_name: "hello.sh", args: ["--fail"] }, expect: "FAIL" },
  { body: { file_name: "work.mjs", args: ["0", "fail"] }, expect: "FAIL" },
];

/** Polls between looks at the items still unfinished. */
const POLL_MS = 500;
/** Items looked up at once while polling. */
const LOOKUP_CONCURRENCY = 16;

async function inParallel<T, R>(
  values: readonly T[],
  limit: number,
  fn: (value: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(values.length);
  let next = 0;
  const lane = async () => {
    while (next < values.length) {
      const i = next++;
      out[i] = await fn(values[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, values.length) }, lane));
  return out;
}

interface Finished {
  stage: StageName;
  seconds: number;
}

/**
 * The end-to-end check of a deployment: puts n uniquely named items whose scripts succeed or fail on purpose,
 * waits until every one is SUCCESS or FAIL (or the timeout), compares each with its expected outcome, prints a
 * summary with put → done p50/p95 (server timestamps) and deletes its items unless --keep. Exit 0 only when
 * every item reached its expected stage.
 */
export const e2eCommand: ClientCommand = {
  usage: "e2e",
  description:
    "Check a deployment end to end: put n items for the example scripts (some succeed, some fail on purpose), wait " +
    "until all are SUCCESS or FAIL, check each outcome, print put→done p50/p95; exit 0 only when all matched. " +
    "Deletes its items unless --keep. Needs a controller with the process worker and examples/scripts.",
  examples: ["task-queue e2e", "task-queue e2e -n 500 --url http://queue.internal:8080 --within 30m"],
  options: [
    new Option("-n, --count <n>", "items to put (default 100)"),
    new Option(
      "--within <duration>",
      "give up waiting after this long (default 10m); --timeout bounds each request",
    ),
    new Option("--keep", "leave the items in the queue"),
  ],
  run: async (queue, _args, { options }): Promise<Result> => {
    const count = options.count === undefined ? 100 : Number(options.count);
    if (!Number.isInteger(count) || count < 1)
      throw new CliError(`-n must be a whole number ≥ 1, got ${String(options.count)}`, EXIT_USAGE);
    const timeoutMs = durationOption("--within", options.within ?? "10m") * 1000;
    const run = `e2e-${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
    const expected = new Map<ItemId, Outcome>();
    const items: Record<ItemId, JsonValue> = {};
    for (let i = 0; i < count; i++) {
      const id = `${run}-${String(i).padStart(5, "0")}`;
      const step = PLAN[i % PLAN.length]!;
      items[id] = step.body;
      expected.set(id, step.expect);
    }
    const put = await queue.put(items);
    if (put.skipped.length > 0)
      throw new CliError(`ids already in the queue: ${put.skipped.slice(0, 5).join(", ")}`);
    process.stderr.write(`e2e ${run}: put ${count} items; waiting for them to finish\n`);

    const finished = new Map<ItemId, Finished>();
    const deadline = Date.now() + timeoutMs;
    let pending = [...expected.keys()];
    while (pending.length > 0 && Date.now() < deadline) {
      await sleep(POLL_MS);
      const records = await inParallel(pending, LOOKUP_CONCURRENCY, (id) => queue.lookupRecord(id));
      for (const record of records) {
        if (record.stage !== "SUCCESS" && record.stage !== "FAIL") continue;
        const seconds = (record.updatedAt.getTime() - record.createdAt.getTime()) / 1000;
        finished.set(record.itemId, { stage: record.stage, seconds });
      }
      pending = pending.filter((id) => !finished.has(id));
    }

    const mismatched = [...finished]
      .filter(([id, done]) => done.stage !== expected.get(id))
      .map(([id, done]) => ({ id, expected: expected.get(id)!, got: done.stage }));
    const seconds = [...finished.values()].map((done) => done.seconds).sort((a, b) => a - b);
    const ok = pending.length === 0 && mismatched.length === 0;
    if (!options.keep) await deleteItems(queue, [...expected.keys()]);
    const data = {
      run,
      ok,
      items: count,
      finished: finished.size,
      matched: finished.size - mismatched.length,
      mismatched,
      unfinished: pending,
      put_to_done_seconds: { p50: percentile(seconds, 50), p95: percentile(seconds, 95) },
      deleted: !options.keep,
    };
    const fixed = (value: number | null) => (value === null ? "" : `${value.toFixed(2)} s`);
    return {
      data,
      rows: [
        { check: "run", value: run },
        { check: "result", value: ok ? "OK: every item reached its expected stage" : "FAILED" },
        { check: "items", value: String(count) },
        { check: "matched", value: String(data.matched) },
        {
          check: "mismatched",
          value: mismatched.map((m) => `${m.id} (${m.got}, expected ${m.expected})`).join(", "),
        },
        { check: "unfinished", value: pending.length === 0 ? "0" : `${pending.length} (timed out)` },
        { check: "put→done p50", value: fixed(data.put_to_done_seconds.p50) },
        { check: "put→done p95", value: fixed(data.put_to_done_seconds.p95) },
      ],
      exitCode: ok ? 0 : EXIT_FAILURE,
    };
  },
};

/** Deletes the run's items (PROCESSING ones, left by a timeout, are cancelled first so nothing stays behind). */
async function deleteItems(queue: Queue, ids: ItemId[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const part = ids.slice(i, i + 1000);
    const result = await queue.delete(part);
    const running = result.skipped.filter((skip) => skip.reason === "WRONG_STAGE").map((skip) => skip.id);
    for (const id of running) await queue.cancel(id, "e2e check ended").catch(() => undefined);
    if (running.length > 0) await queue.delete(running);
  }
}
