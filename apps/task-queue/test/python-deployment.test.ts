import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient } from "@task-queue/api-client";
import { stageName } from "@task-queue/queue-core";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, eventually, startCli } from "./support/cli-process.js";

/**
 * A deployment of the Python task-queue moves over unchanged: its dotenv file (TASK_QUEUE_CONFIG_PATH), spelled as
 * that system's settings and aliases spelled them, starts `server` and `controller`, which run an item to SUCCESS.
 */
describe("server and controller started from the Python task-queue's env file", () => {
  const table = randomTableName("tq_py_env");
  const queueName = `py-${table.slice(-6)}`;
  let server: CliProcess;
  let controller: CliProcess;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await testDatabaseUrl();
  });

  afterAll(async () => {
    await controller?.stop("SIGKILL");
    await server?.stop("SIGKILL");
    if (databaseUrl) await dropQueueTable(databaseUrl, table);
  });

  it("reads every setting the original's way and runs an item", async () => {
    const sqlalchemyUrl = databaseUrl.replace(/^postgres(ql)?:\/\//, "postgresql+psycopg2://");
    const folder = mkdtempSync(join(tmpdir(), "tq-py-env-"));
    const envFile = join(folder, "config.env");
    // Scripts as the original's process worker ran them: `python3 <file> <args…>`, no executable bit needed, and a
    // job that writes to stderr fails even with exit code 0.
    const scripts = join(folder, "scripts");
    mkdirSync(scripts);
    writeFileSync(join(scripts, "job.py"), 'import sys\nprint("job", *sys.argv[1:])\n');
    writeFileSync(join(scripts, "noisy.py"), 'import sys\nprint("warning", file=sys.stderr)\n');
    writeFileSync(
      envFile,
      [
        "# task_queue/config/config.env of a Python task-queue deployment",
        "QUEUE_IMPLEMENTATION=sql-json",
        `SQL_QUEUE_CONNECTION_STRING=${sqlalchemyUrl}`,
        `SQL_QUEUE_NAME=${queueName}`,
        "SQL_QUEUE_POSTGRES_USER=postgres",
        "SQL_QUEUE_POSTGRES_HOSTNAME=postgres",
        "FSSPEC_S3_ENDPOINT_URL=http://127.0.0.1:9000",
        "LOGGER_LEVEL=DEBUG",
        "worker_interface=process",
        `path_to_scripts=${scripts}`,
        "event_store_implementation=none",
        "periodic-seconds=0.2",
        "SQL_HOST=a-setting-of-the-original-we-do-not-read",
        "",
      ].join("\n"),
    );
    // Only the file and our own table: LOGGER_LEVEL "" leaves the file's DEBUG in force.
    const env = { TASK_QUEUE_CONFIG_PATH: envFile, SQL_QUEUE_TABLE: table, LOGGER_LEVEL: "" };

    server = startCli(["server", "--port", "0"], env);
    const listening = await server.waitForLog((log) => log.msg === "API server listening");
    const warning = await server.waitForLog((log) => String(log.msg).includes("ignored"));
    expect(warning).toMatchObject({
      level: 40,
      msg: "SQL_QUEUE_POSTGRES_USER, SQL_QUEUE_POSTGRES_HOSTNAME ignored: SQL_QUEUE_CONNECTION_STRING is given and wins",
    });
    const effective = await server.waitForLog((log) => log.msg === "effective configuration");
    expect(effective.config).toMatchObject({
      logger_level: "debug",
      sql_queue_name: queueName,
      sql_queue_connection_string: expect.stringMatching(/^postgresql:\/\//),
      s3_endpoint_url: "http://127.0.0.1:9000/",
      event_store_implementation: "none",
    });

    controller = startCli(["controller"], env);
    const strategy = await controller.waitForLog((log) => log.msg === "release strategy");
    expect(strategy.strategy).toBe("ProcessingLimit(10)");

    const client = new ApiClient({ baseUrl: String(listening.url) });
    await client.put({
      "python-job": { file_name: "job.py", args: ["from the env file"] },
      "python-noisy": { file_name: "noisy.py", args: [] },
    });
    const finished = async (id: string) =>
      eventually(async () => {
        const status = stageName(await client.lookupStatus(id));
        return status === "SUCCESS" || status === "FAIL" ? status : undefined;
      });
    expect(await finished("python-job")).toBe("SUCCESS");
    expect(await finished("python-noisy")).toBe("FAIL");
    await controller.waitForLog((log) => log.msg === "job output" && log.line === "job from the env file");

    expect(await controller.stop()).toBe(0);
    expect(await server.stop()).toBe(0);
  });
});
