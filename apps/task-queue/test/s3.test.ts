import { resolve } from "node:path";
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from "@task-queue/queue-s3/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, eventually, REPO_ROOT, runCli, startCli } from "./support/cli-process.js";

describe("task-queue server and controller on the S3 queue (s3rver)", () => {
  let s3: RunningS3rver;
  let server: CliProcess;
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    s3 = await startS3rver("tq-app-test");
    env = {
      QUEUE_IMPLEMENTATION: "s3-json",
      S3_QUEUE_BASE_PATH: `tq-app-test/run-${Date.now()}`, // the `bucket/prefix` form of the system we replace
      S3_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    server = startCli(["server", "--port", "0"], env);
    url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
  });

  afterAll(async () => {
    await server?.stop("SIGKILL");
    await s3?.stop();
  });

  it("serves the queue and runs its items with the controller", async () => {
    const items = resolve(REPO_ROOT, "examples/items.json");
    const put = await runCli(["put", items, "--url", url, "--output", "json"], {});
    expect(JSON.parse(put.stdout)).toEqual({ added: 10, skipped: 0, skippedIds: [] });
    // The put made the queue probe the store: s3rver ignores conditional writes and deletes, and the server's log
    // says so (the queue's logger is the app's).
    const warnings = await Promise.all(
      [/ignores conditional writes/, /ignores conditional deletes/].map((pattern) =>
        // pino level 40: warn
        server.waitForLog((log) => log.level === 40 && pattern.test(String(log.msg))),
      ),
    );
    expect(warnings.map((log) => log.basePath)).toEqual(
      [env.S3_QUEUE_BASE_PATH, env.S3_QUEUE_BASE_PATH].map((p) => `s3://${p}`),
    );
    // The key id is not a secret; the secret key is never logged.
    expect(server.lines.join("\n")).toContain('"aws_secret_access_key":"***"');

    const controllerEnv = {
      ...env,
      WORKER_INTERFACE: "process",
      PATH_TO_SCRIPTS: resolve(REPO_ROOT, "examples/scripts"),
      PERIODIC_SECONDS: "0.2",
    };
    const controller = startCli(["controller"], controllerEnv);
    const sizes = await eventually(async () => {
      const run = await runCli(["sizes", "--url", url, "--output", "json"], {});
      const now = JSON.parse(run.stdout) as Record<string, number>;
      return now.SUCCESS! + now.FAIL! === 10 ? now : undefined;
    }, 200);
    expect(sizes).toEqual({ WAITING: 0, PROCESSING: 0, SUCCESS: 7, FAIL: 3 });
    expect(await controller.stop()).toBe(0);
    expect(await server.stop()).toBe(0);
  });
});
