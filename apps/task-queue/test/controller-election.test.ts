import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ApiClient } from "@task-queue/api-client";
import { JOB_LOST_REASON, type NewJob } from "@task-queue/queue-core";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { advisoryLockKey } from "@task-queue/queue-sql/postgres";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, eventually, REPO_ROOT, startCli } from "./support/cli-process.js";

// testDatabaseUrl fails loudly under CI when PostgreSQL cannot be reached: these tests never pass without it.
const DATABASE_URL = await testDatabaseUrl();

const PROCESSING_LIMIT = 4;
const PERIOD_SECONDS = 0.2;
const ITEMS = 60;

const LEADING = "leading: this controller is the active one for the queue";
const isStandbyLog = (log: Record<string, unknown>) => String(log.msg).startsWith("standby:");

const MAX_ATTEMPTS = 3;
type Kind = "flaky" | "fails" | "succeeds";

/** Item i: a script that fails on its first try and then succeeds (every 3rd), always fails (every 7th), or succeeds. */
function kindOf(i: number): Kind {
  if (i % 3 === 0) return "flaky";
  return i % 7 === 3 ? "fails" : "succeeds";
}

function bodyOf(kind: Kind): { file_name: string; args: string[] } {
  if (kind === "flaky") return { file_name: "flaky.mjs", args: ["0.3"] };
  return { file_name: "work.mjs", args: ["0.3", kind === "fails" ? "fail" : "succeed"] };
}

/** Fails (exit 1, a line on stderr) the first time it runs for an item, then works for `seconds` and succeeds. */
const FLAKY_SCRIPT = `#!/usr/bin/env node
import { existsSync, writeFileSync } from "node:fs";
const marker = new URL(\`./\${process.env.QUEUE_ITEM_ID}.tried\`, import.meta.url);
if (!existsSync(marker)) {
  writeFileSync(marker, "");
  console.error("first try: failing on purpose");
  process.exit(1);
}
setTimeout(() => process.exit(0), Number(process.argv[2]) * 1000);
`;

describe("two controllers on one PostgreSQL queue (process worker)", () => {
  const table = randomTableName("tq_elect");
  const queueName = `q-${table.slice(-6)}`;
  const env = {
    QUEUE_IMPLEMENTATION: "sql-json",
    SQL_QUEUE_CONNECTION_STRING: DATABASE_URL,
    SQL_QUEUE_TABLE: table,
    SQL_QUEUE_NAME: queueName,
  };
  const scripts = mkdtempSync(join(tmpdir(), "tq-elect-scripts-"));
  writeFileSync(join(scripts, "flaky.mjs"), FLAKY_SCRIPT, { mode: 0o755 });
  copyFileSync(resolve(REPO_ROOT, "examples/scripts/work.mjs"), join(scripts, "work.mjs"));
  const controllerEnv = {
    ...env,
    WORKER_INTERFACE: "process",
    PATH_TO_SCRIPTS: scripts,
    PROCESSING_LIMIT: String(PROCESSING_LIMIT),
    PERIODIC_SECONDS: String(PERIOD_SECONDS),
    GRACE_PERIOD_SECONDS: "2",
  };
  let server: CliProcess;
  let client: ApiClient;
  let database: SqlQueueNamespace;
  const controllers: CliProcess[] = [];
  const startController = (): CliProcess => {
    const controller = startCli(["controller"], controllerEnv);
    controllers.push(controller);
    return controller;
  };
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  /** The backend holding this queue's advisory lock, if any. */
  const lockHolder = async (): Promise<number | undefined> => {
    const key = BigInt.asUintN(64, advisoryLockKey(table, queueName));
    const rows = await admin<Array<{ pid: number }>>`
      SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
         AND classid = ${Number(key >> 32n)}::oid AND objid = ${Number(key & 0xffffffffn)}::oid`;
    return rows[0]?.pid;
  };

  beforeAll(async () => {
    server = startCli(["server", "--port", "0"], env);
    const listening = await server.waitForLog((log) => log.msg === "API server listening");
    client = new ApiClient({ baseUrl: String(listening.url) });
    database = await SqlQueueNamespace.open({ connection: DATABASE_URL, tableName: table });
  });

  afterAll(async () => {
    await Promise.all(controllers.map((c) => c.stop("SIGKILL")));
    await server?.stop("SIGKILL");
    await admin.end({ timeout: 5 });
    await database?.close();
    await dropQueueTable(DATABASE_URL, table);
    rmSync(scripts, { recursive: true, force: true });
  });

  it("only the leader releases: PROCESSING never passes the limit; after kill -9 of the leader the standby finishes the run, retrying failed and lost attempts", async () => {
    const first = startController();
    await first.waitForLog((log) => log.msg === LEADING);
    const second = startController();
    await second.waitForLog(isStandbyLog);

    let maxProcessing = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxProcessing = Math.max(maxProcessing, (await client.sizes()).PROCESSING);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    sampler.catch(() => {}); // awaited below; this only keeps an early failure of the test from leaving it unhandled

    const kinds = new Map(
      Array.from({ length: ITEMS }, (_, i) => [`el-${String(i).padStart(2, "0")}`, kindOf(i)]),
    );
    const jobs: NewJob[] = [...kinds].map(([id, kind]) => ({
      id,
      body: bodyOf(kind),
      maxAttempts: MAX_ATTEMPTS,
    }));
    const queue = database.queue(queueName);
    expect((await queue.putJobs(jobs)).added).toHaveLength(ITEMS);
    // Mid-run: some items done, the leader busy with others.
    await eventually(async () => {
      const sizes = await client.sizes();
      return sizes.SUCCESS + sizes.FAIL >= 12 && sizes.PROCESSING > 0 ? sizes : undefined;
    });
    const killedAt = Date.now();
    first.child.kill("SIGKILL");
    await first.exited;
    await second.waitForLog((log) => log.msg === LEADING);
    const takeoverMs = Date.now() - killedAt;

    const sizes = await eventually(async () => {
      const now = await client.sizes();
      return now.SUCCESS + now.FAIL === ITEMS ? now : undefined;
    });
    sampling = false;
    await sampler;
    console.log(
      `two controllers: max PROCESSING ${maxProcessing} (limit ${PROCESSING_LIMIT}); standby took over ${takeoverMs} ms after kill -9 (period ${PERIOD_SECONDS * 1000} ms); final ${JSON.stringify(sizes)}`,
    );
    expect(maxProcessing).toBeGreaterThan(0);
    expect(maxProcessing).toBeLessThanOrEqual(PROCESSING_LIMIT);
    expect(sizes.WAITING + sizes.PROCESSING).toBe(0);
    // Each item ends where its script says, after the attempts it needed; an attempt that died with the killed
    // leader came back as "job lost" and was tried again.
    let lost = 0;
    for (const [id, kind] of kinds) {
      const record = await queue.lookupRecord(id);
      const lostOne = record.lastError === JOB_LOST_REASON ? 1 : 0;
      lost += lostOne;
      if (kind === "fails") {
        expect([id, record.stage, record.attempts]).toEqual([id, "FAIL", MAX_ATTEMPTS]);
        expect(record.lastError === JOB_LOST_REASON || /^exit code 1/.test(record.lastError ?? "")).toBe(
          true,
        );
      } else {
        // One leader dies, so at most one attempt per item is lost with it. A later failure (the flaky script's
        // first real try) may overwrite "job lost" in last_error, so the count of attempts is what tells.
        const base = kind === "flaky" ? 2 : 1;
        expect([id, record.stage]).toEqual([id, "SUCCESS"]);
        expect([id, record.attempts >= base && record.attempts <= base + 1]).toEqual([id, true]);
        if (record.attempts > base && lostOne === 0) lost += 1;
        if (kind === "flaky" && record.attempts === base && lostOne === 0) {
          expect([id, record.attempts, record.lastError]).toEqual([
            id,
            2,
            "exit code 1; stderr:\nfirst try: failing on purpose",
          ]);
        }
      }
    }
    console.log(`items whose attempt died with the leader (last_error "job lost"): ${lost}`);
    // The standby said once that it waits, though it waited many periods.
    expect(second.lines.filter((line) => line.includes('"msg":"standby:'))).toHaveLength(1);
    // Both released work, but never at the same time: each tick line is the leader's.
    expect(first.lines.some((line) => line.includes('"msg":"tick"'))).toBe(true);
    const secondTicks = second.lines.findIndex((line) => line.includes('"msg":"tick"'));
    const secondLeads = second.lines.findIndex((line) => line.includes(LEADING));
    expect(secondTicks).toBeGreaterThan(secondLeads);
  }, 180_000);

  it("a leader that loses its database connection gives way; the standby takes over", async () => {
    const leader = controllers.find((c) => c.child.exitCode === null && c.child.signalCode === null)!;
    const standby = startController();
    await standby.waitForLog(isStandbyLog);
    const pid = await lockHolder();
    expect(pid).toBeDefined();
    await admin`SELECT pg_terminate_backend(${pid!})`;
    await standby.waitForLog((log) => log.msg === LEADING);
    await leader.waitForLog((log) => String(log.msg).startsWith("lost leadership"));
    const newHolder = await eventually(async () => lockHolder());
    expect(newHolder).not.toBe(pid);
    // The old leader keeps running as a standby (it does not exit), and can be stopped cleanly.
    expect(await leader.stop()).toBe(0);
    expect(await standby.stop()).toBe(0);
    expect(await lockHolder()).toBeUndefined();
  });
});
