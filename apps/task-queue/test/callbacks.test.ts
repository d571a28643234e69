import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyCallbackSignature } from "@task-queue/api-client";
import { type CallbackReceiver, startCallbackReceiver } from "@task-queue/queue-core/testing";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, runCli, startCli } from "./support/cli-process.js";

const DATABASE_URL = await testDatabaseUrl();
const SECRET = "process-test-secret-0123456789";

/**
 * Completion callbacks through the real program: `task-queue server` on PostgreSQL delivers them, the CLI sets the
 * queue's secret and lists and re-sends them, and a server killed with SIGKILL while a delivery is in flight
 * leaves the callback in the outbox for the next server process to deliver.
 */
describe("task-queue server delivers completion callbacks (PostgreSQL)", () => {
  const table = randomTableName("tq_cb_app");
  const folder = mkdtempSync(join(tmpdir(), "tq-callbacks-"));
  let receiver: CallbackReceiver;
  let server: CliProcess | undefined;
  let url = "";

  const env = {
    QUEUE_IMPLEMENTATION: "sql-json",
    SQL_QUEUE_CONNECTION_STRING: DATABASE_URL,
    SQL_QUEUE_TABLE: table,
    CALLBACK_TIMEOUT_SECONDS: "1",
    CALLBACK_ALLOWED_HOSTS: "127.0.0.1",
    SHUTDOWN_DELAY_SECONDS: "0",
  };
  const startServer = async () => {
    server = startCli(["server", "--port", "0"], env);
    url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
  };
  const cli = async (...args: string[]) => {
    const run = await runCli([...args, "--url", url, "--output", "json"], {});
    if (run.code !== 0) throw new Error(`${args.join(" ")} failed (${run.code}): ${run.stderr}`);
    return JSON.parse(run.stdout) as unknown;
  };

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    await startServer();
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await receiver?.close();
    await dropQueueTable(DATABASE_URL, table);
  });

  it("a SIGKILL between the move and the delivery: the next server process delivers the same callback", async () => {
    const secretFile = join(folder, "secret");
    writeFileSync(secretFile, `${SECRET}\n`);
    expect(await cli("callback-settings", "--secret-file", secretFile)).toEqual({
      url: null,
      has_secret: true,
    });
    // The receiver takes the request and never answers: the try is in flight when the server dies.
    receiver.respondWith("hang");
    const items = join(folder, "items.json");
    writeFileSync(items, JSON.stringify({ killed: { n: 1 } }));
    await cli("put", items, "--notify-url", receiver.url());
    await cli("get", "1");
    await cli("success", "killed");
    await receiver.waitFor(() => receiver.received.length === 1);
    await server!.stop("SIGKILL");
    receiver.respondWith(200);
    await startServer();
    // The dead process's claim runs out (timeout + 5 s), then the new one delivers.
    await receiver.waitFor(() => receiver.delivered().size === 1, 30_000);
    const [first, second] = receiver.received;
    expect(second?.deliveryId).toBe(first?.deliveryId);
    expect(JSON.parse(second!.body)).toMatchObject({ item_id: "killed", stage: "SUCCESS", attempts: 1 });
    expect(
      await verifyCallbackSignature({ secret: SECRET, body: second!.body, header: second!.signature }),
    ).toBe(true);
    expect(await cli("callbacks")).toEqual([]);
    // The secret reached neither the server's log nor the CLI's answers.
    expect(server!.lines.join("\n")).not.toContain(SECRET);
  });

  it("lists a callback whose retries ran out and re-sends it (CLI); refuses a host outside the allow-list", async () => {
    await server!.stop("SIGTERM");
    server = startCli(["server", "--port", "0"], { ...env, CALLBACK_RETRY_HORIZON_SECONDS: "0.5" });
    url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
    receiver.respondWith(503);
    const items = join(folder, "more.json");
    writeFileSync(items, JSON.stringify({ refused: { n: 2 } }));
    await cli("put", items, "--notify-url", receiver.url("/later"));
    await cli("get", "1");
    await cli("fail", "refused", "--reason", "broken");
    let failed: Array<{ deliveryId: string; lastError: string }> = [];
    await receiver.waitFor(() => receiver.received.some((request) => request.path === "/later"));
    for (let i = 0; i < 100 && failed.length === 0; i++) {
      failed = (await cli("callbacks", "--status", "failed")) as typeof failed;
      if (failed.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(failed).toHaveLength(1);
    expect(failed[0]!.lastError).toBe("HTTP 503");
    receiver.respondWith(200);
    expect(await cli("resend-callbacks", "--all-failed")).toEqual({
      resent: [failed[0]!.deliveryId],
      notFound: [],
    });
    await receiver.waitFor(() => receiver.delivered().has(failed[0]!.deliveryId));
    const body = JSON.parse(receiver.delivered().get(failed[0]!.deliveryId)!.body);
    expect(body).toMatchObject({ item_id: "refused", stage: "FAIL", last_error: "broken" });

    const refused = await runCli(["put", items, "--notify-url", "http://localhost:9/x", "--url", url], {});
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("host localhost is not in the callback allow-list");
  });
});
