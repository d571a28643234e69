import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/load.js";
import { settingsMarkdown } from "../src/config/markdown.js";
import { redactedSettings } from "../src/config/redact.js";
import { SETTING_KEYS, SETTINGS } from "../src/config/settings.js";

const controllerGroups = ["queue", "worker", "controller"] as const;
const baseEnv = {
  SQL_QUEUE_CONNECTION_STRING: "postgres://app:pw@db:5432/queues",
  WORKER_INTERFACE: "process",
  PATH_TO_SCRIPTS: "/scripts",
};

function configFile(content: string, extension = "yaml"): string {
  const path = join(mkdtempSync(join(tmpdir(), "tq-config-")), `settings.${extension}`);
  writeFileSync(path, content);
  return path;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration sources", () => {
  it("takes flags over the environment over the config file over defaults", () => {
    const file = configFile(
      "processing_limit: 1\nperiodic_seconds: 7\nresource_key: from_file\nport: 1234\n",
    );
    const { settings, sources } = loadConfig({
      groups: [...controllerGroups],
      flags: { processingLimit: "3", config: file },
      env: { ...baseEnv, PROCESSING_LIMIT: "2", PERIODIC_SECONDS: "9" },
    });
    expect(settings.processing_limit).toBe(3);
    expect(settings.periodic_seconds).toBe(9);
    expect(settings.resource_key).toBe("from_file");
    expect(settings.grace_period_seconds).toBe(60);
    expect(sources.processing_limit?.source).toBe("flag");
    // A setting of another command in the shared file is not this command's business.
    expect(settings.port).toBe(8080);
  });

  it("matches environment names case-insensitively", () => {
    const { settings } = loadConfig({
      groups: [...controllerGroups],
      flags: {},
      env: {
        sql_queue_connection_string: "postgres://db/q",
        worker_interface: "argo-workflows",
        Endpoint: "https://argo:2746",
        WORKER_INTERFACE_ID: "tmpl",
        periodic_seconds: "2.5",
      },
    });
    expect(settings.worker_interface).toBe("argo-workflows");
    expect(settings.endpoint).toBe("https://argo:2746");
    expect(settings.periodic_seconds).toBe(2.5);
  });

  it("reads JSON config files, with keys as setting names or environment names", () => {
    const file = configFile(JSON.stringify({ WORKER_INTERFACE: "process", path_to_scripts: "/s" }), "json");
    const { settings } = loadConfig({
      groups: [...controllerGroups],
      flags: {},
      env: { SQL_QUEUE_CONNECTION_STRING: "postgres://db/q", TASK_QUEUE_CONFIG: file },
    });
    expect(settings.worker_interface).toBe("process");
    expect(settings.path_to_scripts).toBe("/s");
  });

  it("parses resource limits from JSON text and booleans from words", () => {
    const { settings } = loadConfig({
      groups: [...controllerGroups],
      flags: { withQueueEvents: true },
      env: { ...baseEnv, RESOURCE_LIMITS: '{"gpu": 2, "mem_gb": 64}', ARGO_INSECURE_SKIP_VERIFY: "yes" },
    });
    expect(settings.resource_limits).toEqual({ gpu: 2, mem_gb: 64 });
    expect(settings.with_queue_events).toBe(true);
    expect(settings.argo_insecure_skip_verify).toBe(true);
  });
});

describe("configuration errors", () => {
  it("names each bad setting by its variable and flag, and where the value came from", () => {
    const problems = problemsOf(() =>
      loadConfig({
        groups: [...controllerGroups],
        flags: { port: "99999" },
        env: { ...baseEnv, PROCESSING_LIMIT: "many", QUEUE_IMPLEMENTATION: "redis" },
      }),
    );
    expect(problems.join("\n")).toMatch(/PROCESSING_LIMIT \(--processing-limit\): .*\(from environment\)/);
    expect(problems.join("\n")).toMatch(/QUEUE_IMPLEMENTATION \(--queue-implementation\): /);
    expect(problems).toHaveLength(2); // port is not a controller setting
  });

  it("names every missing setting", () => {
    const problems = problemsOf(() =>
      loadConfig({ groups: [...controllerGroups], flags: {}, env: { WORKER_INTERFACE: "argo-workflows" } }),
    );
    expect(problems.some((p) => p.startsWith("SQL_QUEUE_CONNECTION_STRING"))).toBe(true);
    expect(problems.some((p) => p.startsWith("ENDPOINT (--endpoint): required"))).toBe(true);
    expect(problems.some((p) => p.startsWith("WORKER_INTERFACE_ID"))).toBe(true);
  });

  it("reports contradictions: events asked for with no event store", () => {
    const problems = problemsOf(() =>
      loadConfig({
        groups: [...controllerGroups],
        flags: {},
        env: { ...baseEnv, WITH_QUEUE_EVENTS: "true", EVENT_STORE_IMPLEMENTATION: "none" },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^EVENT_STORE_IMPLEMENTATION .*none contradicts WITH_QUEUE_EVENTS/),
    ]);
  });

  it("reports unknown keys in the config file and an unreadable file", () => {
    const file = configFile("procesing_limit: 2\n");
    expect(
      problemsOf(() => loadConfig({ groups: ["queue"], flags: { config: file }, env: baseEnv })),
    ).toEqual([expect.stringMatching(/TASK_QUEUE_CONFIG \(--config\): .*unknown setting "procesing_limit"/)]);
    const missing = problemsOf(() =>
      loadConfig({ groups: ["queue"], flags: { config: "/nonexistent.yaml" }, env: baseEnv }),
    );
    expect(missing[0]).toMatch(/cannot read \/nonexistent.yaml/);
  });

  it("never echoes a bad value, which may be a secret", () => {
    const problems = problemsOf(() =>
      loadConfig({
        groups: ["queue"],
        flags: {},
        env: { ...baseEnv, SQL_QUEUE_POSTGRES_PORT: "hunter2-secret" },
      }),
    );
    expect(problems.join("\n")).not.toContain("hunter2-secret");
  });
});

describe("redaction", () => {
  it("replaces secrets and the password inside connection strings", () => {
    const { settings, keys } = loadConfig({
      groups: ["queue", "worker", "auth"],
      flags: {},
      env: {
        ...baseEnv,
        SQL_QUEUE_CONNECTION_STRING: "postgres://app:topsecretpw@db:5432/queues",
        AWS_SECRET_ACCESS_KEY: "aws-secret-value",
        ARGO_TOKEN: "argo-token-value",
        TASK_QUEUE_TOKEN: "api-token-value",
        SQL_QUEUE_POSTGRES_PASSWORD: "pg-password-value",
      },
      rules: false,
    });
    const shown = redactedSettings(settings, keys);
    const text = JSON.stringify(shown);
    for (const secret of [
      "topsecretpw",
      "aws-secret-value",
      "argo-token-value",
      "api-token-value",
      "pg-password-value",
    ])
      expect(text).not.toContain(secret);
    expect(shown.sql_queue_connection_string).toBe("postgres://app:***@db:5432/queues");
    expect(shown.token).toBe("***");
    expect(shown.worker_interface).toBe("process");
  });
});

describe("the settings table", () => {
  it("gives the README one row per setting, with its variable, flag and default", () => {
    const table = settingsMarkdown();
    for (const key of SETTING_KEYS)
      expect(table).toMatch(new RegExp(`^\\| \`${SETTINGS[key].env}\` +\\|`, "m"));
    expect(table).toMatch(/\| `PROCESSING_LIMIT` +\| `--processing-limit` +\|/);
    expect(table).toMatch(/\| `PORT` +\| `--port` +\| `8080` +\|/);
  });
});

describe("wiring from settings", () => {
  it("assembles the connection string from the SQL_QUEUE_POSTGRES_* parts, escaping them", async () => {
    const { sqlConnectionString } = await import("../src/wiring/sql-connection.js");
    const { settings } = loadConfig({
      groups: ["queue"],
      flags: {},
      env: {
        SQL_QUEUE_POSTGRES_USER: "app",
        SQL_QUEUE_POSTGRES_PASSWORD: "p@ss/word",
        SQL_QUEUE_POSTGRES_HOSTNAME: "db.internal",
        SQL_QUEUE_POSTGRES_DATABASE: "queues",
      },
    });
    expect(sqlConnectionString(settings)).toBe("postgres://app:p%40ss%2Fword@db.internal:5432/queues");
  });

  it("accepts the S3 base path with or without s3://", async () => {
    const { s3BasePath } = await import("../src/wiring/s3.js");
    expect(s3BasePath("bucket/prefix")).toBe("s3://bucket/prefix");
    expect(s3BasePath("s3://bucket/prefix")).toBe("s3://bucket/prefix");
  });
});

describe("the READMEs", () => {
  it.each(["../README.md", "../../../README.md"])("%s holds the current settings table", async (path) => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL(path, import.meta.url), "utf8");
    expect(readme).toContain(settingsMarkdown());
  });
});
