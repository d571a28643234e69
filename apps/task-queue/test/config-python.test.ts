import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addSettingFlags } from "../src/cli.js";
import { ConfigError, loadConfig } from "../src/config/load.js";
import { settingsMarkdown } from "../src/config/markdown.js";
import { createStrategy } from "../src/wiring/strategy.js";

// Each setting given the way the Python task-queue's deployments give it yields that system's behaviour.

const controllerGroups = ["queue", "worker", "controller"] as const;
const processWorker = {
  WORKER_INTERFACE: "process",
  PATH_TO_SCRIPTS: "/scripts",
  QUEUE_IMPLEMENTATION: "in-memory",
};

function dotenvFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "tq-dotenv-")), "config.env");
  writeFileSync(path, content);
  return path;
}

function controller(env: Record<string, string>, flags: Record<string, unknown> = {}) {
  return loadConfig({ groups: [...controllerGroups], flags, env });
}

describe("settings the Python task-queue read", () => {
  it("reads FSSPEC_S3_ENDPOINT_URL as S3_ENDPOINT_URL; the own name wins, with a notice", () => {
    const base = { ...processWorker, QUEUE_IMPLEMENTATION: "s3-json", S3_QUEUE_BASE_PATH: "s3://bucket/q" };
    const alone = controller({ ...base, FSSPEC_S3_ENDPOINT_URL: "http://minio:9000" });
    expect(alone.settings.s3_endpoint_url).toBe("http://minio:9000");
    expect(alone.notices).toEqual([]);

    const both = controller({
      ...base,
      FSSPEC_S3_ENDPOINT_URL: "http://minio:9000",
      S3_ENDPOINT_URL: "http://ceph:7480",
    });
    expect(both.settings.s3_endpoint_url).toBe("http://ceph:7480");
    expect(both.notices).toEqual([
      "FSSPEC_S3_ENDPOINT_URL is ignored: S3_ENDPOINT_URL gives S3_ENDPOINT_URL",
    ]);
  });

  it("reads the dotenv file TASK_QUEUE_CONFIG_PATH names, below the environment, ignoring other names", () => {
    const path = dotenvFile(
      [
        "# the Python task-queue's config.env",
        "SQL_QUEUE_CONNECTION_STRING=postgresql+psycopg2://app:pw@db:5432/queues",
        "export SQL_QUEUE_NAME='jobs'",
        'worker_interface="process"',
        "path_to_scripts=/opt/scripts # where the scripts are",
        "processing-limit=7",
        "PERIODIC_SECONDS=3",
        "SQL_HOST=unrelated-setting-of-another-program",
        "not a setting line",
        "",
      ].join("\n"),
    );
    const { settings, sources } = controller({ TASK_QUEUE_CONFIG_PATH: path, PERIODIC_SECONDS: "9" });
    expect(settings.sql_queue_connection_string).toBe("postgresql://app:pw@db:5432/queues");
    expect(settings.sql_queue_name).toBe("jobs");
    expect(settings.worker_interface).toBe("process");
    expect(settings.path_to_scripts).toBe("/opt/scripts");
    expect(settings.processing_limit).toBe(7);
    expect(settings.periodic_seconds).toBe(9);
    expect(sources.periodic_seconds?.source).toBe("environment");
    expect(sources.processing_limit?.source).toBe("file");
  });

  it("says when the dotenv file cannot be read", () => {
    expect(() => controller({ ...processWorker, TASK_QUEUE_CONFIG_PATH: "/nonexistent/config.env" })).toThrow(
      /TASK_QUEUE_CONFIG_PATH \(--config-path\): cannot read \/nonexistent\/config.env/,
    );
  });

  it.each([
    ["WARNING", "warn"],
    ["warning", "warn"],
    ["CRITICAL", "fatal"],
    ["Debug", "debug"],
    ["INFO", "info"],
    ["ERROR", "error"],
    ["20", "info"],
    ["trace", "trace"],
  ])("takes LOGGER_LEVEL=%s as %s", (given, level) => {
    expect(controller({ ...processWorker, LOGGER_LEVEL: given }).settings.logger_level).toBe(level);
  });

  it("rejects a log level neither Python nor pino knows", () => {
    expect(() => controller({ ...processWorker, LOGGER_LEVEL: "LOUD" })).toThrow(
      /LOGGER_LEVEL \(--logger-level\)/,
    );
  });

  it("takes EVENT_STORE_IMPLEMENTATION=none (the original's default) as no events", () => {
    const { settings } = controller({ ...processWorker, EVENT_STORE_IMPLEMENTATION: "none" });
    expect(settings.event_store_implementation).toBe("none");
    expect(settings.with_queue_events).toBe(false);
  });
});

describe("the process worker's settings", () => {
  it("fails a job that writes to stderr by default, as the original did; PROCESS_FAIL_ON_STDERR=false turns it off", () => {
    expect(controller(processWorker).settings.process_fail_on_stderr).toBe(true);
    expect(
      controller({ ...processWorker, PROCESS_FAIL_ON_STDERR: "false" }).settings.process_fail_on_stderr,
    ).toBe(false);
  });

  it("runs .py with python3 by default and takes PROCESS_INTERPRETERS as JSON", () => {
    expect(controller(processWorker).settings.process_interpreters[".py"]).toEqual(["python3"]);
    const given = controller({
      ...processWorker,
      PROCESS_INTERPRETERS: '{".py": "/opt/venv/bin/python -u", ".R": ["Rscript"]}',
    }).settings.process_interpreters;
    expect(given).toEqual({ ".py": ["/opt/venv/bin/python", "-u"], ".R": ["Rscript"] });
    expect(() => controller({ ...processWorker, PROCESS_INTERPRETERS: '{"py": "python3"}' })).toThrow(
      /PROCESS_INTERPRETERS \(--process-interpreters\): must be a JSON object such as/,
    );
  });
});

describe("the release strategy, as the Python task-queue chose it", () => {
  const env = {
    ...processWorker,
    SQL_QUEUE_CONNECTION_STRING: "postgres://db/q",
    QUEUE_IMPLEMENTATION: "sql-json",
  };

  it("is ProcessingLimit(10) when neither limit is given", () => {
    expect(createStrategy(controller(env).settings).description).toBe("ProcessingLimit(10)");
  });

  it("is ReleaseAll for PROCESSING_LIMIT 0 (the original's falsy limit)", () => {
    expect(createStrategy(controller({ ...env, PROCESSING_LIMIT: "0" }).settings).description).toMatch(
      /^ReleaseAll/,
    );
  });

  it("is ResourceLimit when resource limits and a processing limit are both given, with a notice", () => {
    const loaded = controller(env, { processingLimit: "3", resourceLimits: '{"gpu": 2}' });
    expect(createStrategy(loaded.settings).description).toMatch(/^ResourceLimit/);
    expect(loaded.notices).toEqual([
      "PROCESSING_LIMIT ignored: RESOURCE_LIMITS is given, so the release strategy is ResourceLimit",
    ]);
  });
});

describe("the SQL connection, as the Python task-queue took it", () => {
  it("lets the connection string win over the SQL_QUEUE_POSTGRES_* parts, with a notice", async () => {
    const { sqlConnectionString } = await import("../src/wiring/sql-connection.js");
    const loaded = controller({
      ...processWorker,
      QUEUE_IMPLEMENTATION: "sql-json",
      SQL_QUEUE_CONNECTION_STRING: "postgres://app:pw@db:5432/queues",
      SQL_QUEUE_POSTGRES_USER: "other",
      SQL_QUEUE_POSTGRES_HOSTNAME: "elsewhere",
      SQL_QUEUE_POSTGRES_PASSWORD: "secret-part",
    });
    expect(sqlConnectionString(loaded.settings)).toBe("postgres://app:pw@db:5432/queues");
    expect(loaded.notices).toEqual([
      "SQL_QUEUE_POSTGRES_USER, SQL_QUEUE_POSTGRES_HOSTNAME, SQL_QUEUE_POSTGRES_PASSWORD ignored: SQL_QUEUE_CONNECTION_STRING is given and wins",
    ]);
    expect(loaded.notices.join()).not.toContain("secret-part");
  });

  it.each([
    ["postgresql+psycopg2://u:p@db:5432/q", "postgresql://u:p@db:5432/q"],
    ["postgresql+psycopg://u@db/q", "postgresql://u@db/q"],
    ["postgres+asyncpg://u@db/q", "postgres://u@db/q"],
    ["postgres://u@db/q", "postgres://u@db/q"],
    ["pglite://memory", "pglite://memory"],
  ])("accepts %s as %s", (given, used) => {
    expect(
      controller({ ...processWorker, SQL_QUEUE_CONNECTION_STRING: given }).settings
        .sql_queue_connection_string,
    ).toBe(used);
  });
});

describe("the controller's flags and environment names as the Python task-queue spelled them", () => {
  function parse(argv: string[]): Record<string, unknown> {
    const command = addSettingFlags(new Command("controller").exitOverride(), {
      groups: [...controllerGroups],
    });
    command.parse(argv, { from: "user" });
    return command.opts();
  }

  it("accepts the underscore flags and the original's aliases", () => {
    const flags = parse([
      "--worker_interface",
      "process",
      "--path_to_scripts",
      "/opt/scripts",
      "--queue_implementation",
      "sql-json",
      "--connection-string",
      "postgresql+psycopg2://app@db/queues",
      "--queue-name",
      "jobs",
      "--event_store_implementation",
      "none",
      "--logger_level",
      "WARNING",
      "--processing-limit",
      "4",
      "--periodic_seconds",
      "2",
    ]);
    const { settings, sources } = controller({}, flags);
    expect(settings).toMatchObject({
      worker_interface: "process",
      path_to_scripts: "/opt/scripts",
      queue_implementation: "sql-json",
      sql_queue_connection_string: "postgresql://app@db/queues",
      sql_queue_name: "jobs",
      event_store_implementation: "none",
      logger_level: "warn",
      processing_limit: 4,
      periodic_seconds: 2,
    });
    expect(sources.sql_queue_name?.source).toBe("flag");
  });

  it("accepts --s3-base-path", () => {
    const flags = parse(["--s3-base-path", "s3://bucket/q", "--queue_implementation", "s3-json"]);
    expect(controller(processWorker, flags).settings.s3_queue_base_path).toBe("s3://bucket/q");
  });

  it("reads the hyphenated environment names the original's aliases read", () => {
    const { settings } = controller({
      "connection-string": "postgres://db/q",
      "queue-name": "jobs",
      "worker-interface-id": "tmpl",
      "processing-limit": "6",
      "periodic-seconds": "12",
      "with-queue-events": "true",
      "add-to-queue-event-name": "ADD",
      "move-queue-event-name": "MOVE",
      worker_interface: "argo-workflows",
      endpoint: "https://argo:2746",
    });
    expect(settings).toMatchObject({
      sql_queue_connection_string: "postgres://db/q",
      sql_queue_name: "jobs",
      worker_interface_id: "tmpl",
      processing_limit: 6,
      periodic_seconds: 12,
      with_queue_events: true,
      add_to_queue_event_name: "ADD",
      move_queue_event_name: "MOVE",
    });
  });

  it("still fails on a missing required setting, naming it", () => {
    let problems: string[] = [];
    try {
      controller({ WORKER_INTERFACE: "process" });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toContain(
      "PATH_TO_SCRIPTS (--path-to-scripts): required when WORKER_INTERFACE is process",
    );
  });
});

describe("the configuration table", () => {
  it.each([
    ["PERIODIC_SECONDS", "`10`"],
    ["NAMESPACE", "required with argo-workflows"],
    ["HOST", "`0.0.0.0` (its container)"],
    ["PORT", "`8001` (its container)"],
    ["EVENT_STORE_IMPLEMENTATION", "`none`"],
    ["SQL_QUEUE_TABLE", "`sqlqueue`"],
  ])("names the Python task-queue's default of %s", (variable, original) => {
    const row = settingsMarkdown()
      .split("\n")
      .find((line) => line.startsWith(`| \`${variable}\` `));
    expect(row).toContain(`The Python task-queue's default: ${original}`);
  });

  it("shows ProcessingLimit's default 10, as the original's", () => {
    expect(settingsMarkdown()).toMatch(/^\| `PROCESSING_LIMIT` +\| `--processing-limit` +\| `10` +\|/m);
  });
});
