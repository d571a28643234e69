import { DEFAULT_INTERPRETERS } from "@task-queue/worker-process";
import { z } from "zod";

/**
 * Which commands read a setting: queue (server, controller), server (server, dev), auth (server, dev, client),
 * worker and controller (controller, dev), dev, client (put, get, …), general (all).
 */
export type SettingGroup =
  | "general"
  | "queue"
  | "server"
  | "auth"
  | "worker"
  | "controller"
  | "dev"
  | "client";

export interface SettingDefinition<S extends z.ZodType = z.ZodType> {
  /** Environment variable (matched case-insensitively, as pydantic settings did). */
  env: string;
  /** Command-line flag; default: the key in kebab case. */
  flag?: string;
  group: SettingGroup;
  description: string;
  /** Never logged or shown: replaced by *** (connection strings keep everything but the password). */
  secret?: boolean | "url";
  /** Parses a value from a flag, the environment (strings) or the config file; carries the default. */
  schema: S;
  /**
   * Further names the Python task-queue read this setting under: environment variables (matched like `env`) and
   * flags. Every flag is also accepted with underscores (`--worker_interface`), as that system's CLI spelled them.
   */
  aliases?: { env?: readonly string[]; flags?: readonly string[] };
  /** How the Python task-queue's default differed, for the configuration table (absent: the same). */
  original?: string;
}

const text = z.string().trim().min(1, "must not be empty");
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be ≥ ${min}`)
    .max(max, `must be ≤ ${max}`);
const seconds = z.coerce.number({ error: "must be a number of seconds" }).positive("must be > 0");
const flag = z.union([z.boolean(), z.stringbool({ error: "must be true or false" })]);
/** Python's logging level names (and numbers) as the Python task-queue took them, mapped to pino's. */
const PYTHON_LEVELS: Record<string, string> = {
  warning: "warn",
  critical: "fatal",
  notset: "trace",
  "0": "trace",
  "10": "debug",
  "20": "info",
  "30": "warn",
  "40": "error",
  "50": "fatal",
};
/** `postgresql+psycopg2://…` (SQLAlchemy's URL, naming a Python driver) → `postgresql://…`. */
export function withoutDriverSuffix(url: string): string {
  return url.replace(/^(postgres(?:ql)?)\+[A-Za-z0-9_]+:\/\//i, "$1://");
}
const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((value) => (typeof value === "string" ? value.trim().toLowerCase() : value), z.enum(values));
/** A JSON object given as text (environment, flag) or as a mapping (config file); `example` shows the form. */
const jsonObject = <T extends z.ZodType>(example: string, values: (error: string) => T) => {
  const error = `must be a JSON object such as ${example}`;
  return z.preprocess((value, context) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      context.addIssue({ code: "custom", message: error });
      return z.NEVER;
    }
  }, values(error));
};
/** Resource name → limit, e.g. {"gpu": 2, "mem_gb": 64}. */
const resourceLimits = jsonObject('{"gpu": 2}', (error) =>
  z.record(z.string(), z.number().nonnegative("limits must be numbers ≥ 0"), { error }),
);
/** Extension → the program running scripts of that extension, e.g. {".py": "python3", ".R": ["Rscript"]}. */
const interpreters = jsonObject('{".py": "python3"}', (error) =>
  z.record(
    z.string().regex(/^\.[^./\\]+$/, 'keys must be extensions such as ".py"'),
    z
      .union([z.string().trim().min(1), z.array(z.string().min(1)).min(1)], {
        error: "each value must be a program, as text or an array of words",
      })
      .transform((program) => (typeof program === "string" ? program.split(/\s+/) : program)),
    { error },
  ),
);

function define<const T extends Record<string, SettingDefinition>>(table: T): T {
  return table;
}

/**
 * Every setting of every command, in one table: the zod schema, the flags, the environment lookup, the redaction
 * of logged configuration and the README's configuration table (`task-queue config --markdown`) all come from here.
 */
export const SETTINGS = define({
  config: {
    env: "TASK_QUEUE_CONFIG",
    group: "general",
    description: "A YAML or JSON file of settings (keys as in this table, e.g. `processing_limit: 4`).",
    schema: text.optional(),
  },
  config_path: {
    env: "TASK_QUEUE_CONFIG_PATH",
    group: "general",
    description:
      "A dotenv file of settings (`KEY=VALUE` lines, as the Python task-queue read); below the environment and TASK_QUEUE_CONFIG. Names as in the environment; names no command reads are ignored.",
    schema: text.optional(),
  },
  logger_level: {
    env: "LOGGER_LEVEL",
    group: "general",
    description:
      "Log level: trace, debug, info, warn, error, fatal or silent; Python's names (DEBUG, INFO, WARNING, ERROR, CRITICAL) too.",
    schema: z
      .preprocess(
        (value) => {
          if (typeof value !== "string" && typeof value !== "number") return value;
          const name = String(value).trim().toLowerCase();
          return PYTHON_LEVELS[name] ?? name;
        },
        z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
      )
      .default("info"),
  },

  queue_implementation: {
    env: "QUEUE_IMPLEMENTATION",
    group: "queue",
    description:
      "Where items are kept: `sql-json` (PostgreSQL), `s3-json` (S3) or `in-memory` (lost on exit).",
    schema: lowerEnum(["sql-json", "s3-json", "in-memory"]).default("sql-json"),
  },
  sql_queue_connection_string: {
    env: "SQL_QUEUE_CONNECTION_STRING",
    group: "queue",
    description:
      "PostgreSQL URL (`postgres://user:pass@host:5432/db`; SQLAlchemy's `postgresql+psycopg2://…` too) or `pglite://<folder>`; or give the SQL_QUEUE_POSTGRES_* parts (when both are given the URL wins, with a warning).",
    secret: "url",
    aliases: { env: ["connection-string", "connection_string"], flags: ["--connection-string"] },
    schema: text.transform(withoutDriverSuffix).optional(),
  },
  sql_queue_postgres_user: {
    env: "SQL_QUEUE_POSTGRES_USER",
    group: "queue",
    description: "PostgreSQL user, when no connection string is given.",
    schema: text.optional(),
  },
  sql_queue_postgres_password: {
    env: "SQL_QUEUE_POSTGRES_PASSWORD",
    group: "queue",
    description: "PostgreSQL password, when no connection string is given.",
    secret: true,
    schema: z.string().optional(),
  },
  sql_queue_postgres_hostname: {
    env: "SQL_QUEUE_POSTGRES_HOSTNAME",
    group: "queue",
    description: "PostgreSQL host, when no connection string is given.",
    schema: text.optional(),
  },
  sql_queue_postgres_database: {
    env: "SQL_QUEUE_POSTGRES_DATABASE",
    group: "queue",
    description: "PostgreSQL database, when no connection string is given.",
    schema: text.optional(),
  },
  sql_queue_postgres_port: {
    env: "SQL_QUEUE_POSTGRES_PORT",
    group: "queue",
    description: "PostgreSQL port, when no connection string is given.",
    schema: integer(1, 65535).default(5432),
  },
  sql_queue_name: {
    env: "SQL_QUEUE_NAME",
    group: "queue",
    description:
      "Name of the default queue (served under /api/v1/queue and run by the controller); also used with S3 and in memory.",
    aliases: { env: ["queue-name", "queue_name"], flags: ["--queue-name"] },
    original: "required with sql-json",
    schema: text.default("default"),
  },
  sql_queue_table: {
    env: "SQL_QUEUE_TABLE",
    group: "queue",
    description:
      "Table holding the SQL queues (lower-case letters, digits, _). The Python task-queue's table `sqlqueue` has another layout: copy it with `task-queue migrate legacy-sql`.",
    original: "`sqlqueue`, not configurable",
    schema: text.default("task_queue_items"),
  },
  s3_queue_base_path: {
    env: "S3_QUEUE_BASE_PATH",
    group: "queue",
    description: "`s3://bucket/prefix` (or `bucket/prefix`) under which the S3 queue keeps its items.",
    aliases: { env: ["s3-base-path", "s3_base_path"], flags: ["--s3-base-path"] },
    schema: text.optional(),
  },
  s3_endpoint_url: {
    env: "S3_ENDPOINT_URL",
    group: "queue",
    description:
      "S3-compatible endpoint (MinIO, Ceph, …), addressed path-style; AWS S3 when unset. `FSSPEC_S3_ENDPOINT_URL` (the Python task-queue's name) is read too.",
    secret: "url",
    aliases: { env: ["FSSPEC_S3_ENDPOINT_URL"] },
    schema: text.optional(),
  },
  aws_access_key_id: {
    env: "AWS_ACCESS_KEY_ID",
    group: "queue",
    description: "S3 access key id (otherwise the AWS default credential chain).",
    schema: text.optional(),
  },
  aws_secret_access_key: {
    env: "AWS_SECRET_ACCESS_KEY",
    group: "queue",
    description: "S3 secret access key.",
    secret: true,
    schema: text.optional(),
  },
  aws_session_token: {
    env: "AWS_SESSION_TOKEN",
    group: "queue",
    description: "S3 session token, for temporary credentials.",
    secret: true,
    schema: text.optional(),
  },
  aws_region: {
    env: "AWS_REGION",
    group: "queue",
    description: "S3 region.",
    schema: text.default("us-east-1"),
  },
  with_queue_events: {
    env: "WITH_QUEUE_EVENTS",
    group: "queue",
    description: "Record every put and move as an event (item history, `task-queue history <id>`).",
    schema: flag.default(false),
  },
  event_store_implementation: {
    env: "EVENT_STORE_IMPLEMENTATION",
    group: "queue",
    description:
      "Where events are kept: `sql-json` (the queue's database), `in-memory`, or `none` (no events; contradicts WITH_QUEUE_EVENTS).",
    original: "`none`",
    schema: lowerEnum(["sql-json", "in-memory", "none"]).default("sql-json"),
  },
  add_to_queue_event_name: {
    env: "ADD_TO_QUEUE_EVENT_NAME",
    group: "queue",
    description: "Event name recorded when an item is put.",
    original: "required with events",
    schema: text.default("TASK_QUEUE_ADD"),
  },
  move_queue_event_name: {
    env: "MOVE_QUEUE_EVENT_NAME",
    group: "queue",
    description: "Event name recorded when an item changes stage.",
    original: "required with events",
    schema: text.default("TASK_QUEUE_MOVE"),
  },

  host: {
    env: "HOST",
    group: "server",
    description: "Address the API server listens on (the container image sets `0.0.0.0`).",
    original: "`0.0.0.0` (its container)",
    schema: text.default("127.0.0.1"),
  },
  port: {
    env: "PORT",
    group: "server",
    description: "Port the API server listens on (0: any free port; the container image sets `8001`).",
    original: "`8001` (its container)",
    schema: integer(0, 65535).default(8080),
  },
  rescue_interval_seconds: {
    env: "RESCUE_INTERVAL_SECONDS",
    group: "server",
    description:
      "Seconds between sweeps of expired leases (each queue's `rescueExpired()`), so sizes stay truthful; a claim rescues expired items on its own.",
    schema: seconds.default(5),
  },
  argo_ui_url: {
    env: "ARGO_UI_URL",
    group: "server",
    description:
      "Argo: the Argo UI's workflow list of the workflows' namespace, e.g. `https://argo.example.com/workflows/argo`; the console's item page then links each item to its workflow (`?label=work-queue.queue-item-id=<id>`).",
    schema: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .transform((value) => value.replace(/\/+$/, ""))
      .optional(),
  },
  callback_allowed_hosts: {
    env: "CALLBACK_ALLOWED_HOSTS",
    group: "server",
    description:
      "Completion callbacks go only to these hosts (comma-separated; `*.example.com` for subdomains); a notify URL to another host is refused with 422. Empty: any host.",
    schema: z
      .union([z.string(), z.array(z.string())])
      .transform((value) =>
        (typeof value === "string" ? value.split(",") : value).map((host) => host.trim()).filter(Boolean),
      )
      .default([]),
  },
  callback_timeout_seconds: {
    env: "CALLBACK_TIMEOUT_SECONDS",
    group: "server",
    description:
      "Seconds a callback receiver has to answer one delivery (redirects are not followed); slower counts as a failed try.",
    schema: seconds.default(10),
  },
  callback_retry_horizon_seconds: {
    env: "CALLBACK_RETRY_HORIZON_SECONDS",
    group: "server",
    description:
      "A callback that keeps failing is retried with exponential backoff (1 s doubling up to 10 min, with jitter) for this long after the move, then kept as failed with its last error (listed by `task-queue callbacks`, sent again by `callbacks resend`).",
    schema: seconds.default(86_400),
  },
  shutdown_delay_seconds: {
    env: "SHUTDOWN_DELAY_SECONDS",
    group: "server",
    description:
      "On SIGTERM/SIGINT `/readyz` answers 503 for this long while requests are still served (so load balancers and Kubernetes stop sending new ones), then the listener closes.",
    schema: z.coerce.number({ error: "must be a number of seconds" }).min(0, "must be >= 0").default(5),
  },
  shutdown_timeout_seconds: {
    env: "SHUTDOWN_TIMEOUT_SECONDS",
    group: "server",
    description:
      "On SIGTERM/SIGINT requests in flight get this long to finish; then the connections still open are closed.",
    schema: seconds.default(30),
  },
  ready_timeout_seconds: {
    env: "READY_TIMEOUT_SECONDS",
    group: "server",
    description: "`/readyz` answers 503 when the storage has not answered its check within this long.",
    schema: seconds.default(1),
  },
  token: {
    env: "TASK_QUEUE_TOKEN",
    group: "auth",
    description: "API token: the server requires `Authorization: Bearer <token>` when set; clients send it.",
    secret: true,
    schema: text.optional(),
  },

  worker_interface: {
    env: "WORKER_INTERFACE",
    group: "worker",
    description: "What runs the jobs: `argo-workflows` or `process` (local scripts).",
    schema: lowerEnum(["argo-workflows", "process"]).optional(),
  },
  worker_interface_id: {
    env: "WORKER_INTERFACE_ID",
    group: "worker",
    description:
      "Argo: this controller's id, set as the `work-queue.interface-id` label of its workflows (a Kubernetes label value).",
    schema: text.optional(),
  },
  endpoint: {
    env: "ENDPOINT",
    group: "worker",
    description: "Argo: URL of the Argo Server, e.g. `https://argo-server.argo:2746`.",
    secret: "url",
    schema: text.optional(),
  },
  namespace: {
    env: "NAMESPACE",
    group: "worker",
    description: "Argo: Kubernetes namespace of the workflows.",
    original: "required with argo-workflows",
    schema: text.default("argo"),
  },
  argo_token: {
    env: "ARGO_TOKEN",
    group: "worker",
    description: "Argo: bearer token for the Argo Server (`Bearer ` prefix optional).",
    secret: true,
    schema: text.optional(),
  },
  argo_insecure_skip_verify: {
    env: "ARGO_INSECURE_SKIP_VERIFY",
    group: "worker",
    description: "Argo: accept a self-signed TLS certificate from the Argo Server.",
    schema: flag.default(false),
  },
  argo_ca_file: {
    env: "ARGO_CA_FILE",
    group: "worker",
    description: "Argo: PEM file of the CA that signed the Argo Server's certificate.",
    schema: text.optional(),
  },
  path_to_scripts: {
    env: "PATH_TO_SCRIPTS",
    group: "worker",
    description: "Process worker: folder of the scripts an item's `file_name` names.",
    schema: text.optional(),
  },
  process_interpreters: {
    env: "PROCESS_INTERPRETERS",
    group: "worker",
    description:
      "Process worker: extension → program for scripts that are not executables with a shebang line (those run directly): `.py` runs as `python3 <file> <args…>`, as the Python task-queue ran every item. JSON; replaces the whole table.",
    schema: interpreters.default(
      Object.fromEntries(Object.entries(DEFAULT_INTERPRETERS).map(([ext, program]) => [ext, [...program]])),
    ),
  },
  process_fail_on_stderr: {
    env: "PROCESS_FAIL_ON_STDERR",
    group: "worker",
    description:
      "Process worker: a script that writes anything to stderr fails even with exit code 0, as in the Python task-queue; `false`: only the exit code counts.",
    schema: flag.default(true),
  },
  process_timeout_seconds: {
    env: "PROCESS_TIMEOUT_SECONDS",
    group: "worker",
    description: "Process worker: a script running longer is killed and its item fails.",
    schema: seconds.optional(),
  },

  processing_limit: {
    env: "PROCESSING_LIMIT",
    group: "controller",
    description:
      "Keep at most this many items in PROCESSING (strategy ProcessingLimit); `0`: release everything (ReleaseAll). RESOURCE_LIMITS, when given, wins (logged).",
    schema: integer(0).default(10),
  },
  resource_limits: {
    env: "RESOURCE_LIMITS",
    group: "controller",
    description:
      'JSON limits, e.g. `{"gpu": 2, "mem_gb": 64}` (strategy ResourceLimit, chosen over PROCESSING_LIMIT as the Python task-queue did).',
    schema: resourceLimits.optional(),
  },
  resource_key: {
    env: "RESOURCE_KEY",
    group: "controller",
    description: "Field of an item's body that holds its resource needs.",
    schema: text.default("resources"),
  },
  metrics_port: {
    env: "METRICS_PORT",
    group: "controller",
    description:
      "Port the controller serves `/metrics` (Prometheus) and `/healthz` on (0: any free port, logged); unset: not served. The API server serves `/metrics` on its own port.",
    schema: integer(0, 65535).optional(),
  },
  metrics_host: {
    env: "METRICS_HOST",
    group: "controller",
    description: "Address the controller's metrics port listens on (in a container: `0.0.0.0`).",
    schema: text.default("127.0.0.1"),
  },
  periodic_seconds: {
    env: "PERIODIC_SECONDS",
    group: "controller",
    description: "Seconds from one controller tick to the next.",
    original: "`10`",
    schema: seconds.default(5),
  },
  retention_success_seconds: {
    env: "RETENTION_SUCCESS_SECONDS",
    group: "controller",
    description:
      "The controller removes SUCCESS items this many seconds after they finished (each tick, in batches of 1,000, at most 20,000 per tick); unset: kept for ever.",
    schema: seconds.optional(),
  },
  retention_fail_seconds: {
    env: "RETENTION_FAIL_SECONDS",
    group: "controller",
    description:
      "The controller removes FAIL items this many seconds after they failed (as RETENTION_SUCCESS_SECONDS); unset: kept for ever.",
    schema: seconds.optional(),
  },
  retention_events_seconds: {
    env: "RETENTION_EVENTS_SECONDS",
    group: "controller",
    description:
      "With WITH_QUEUE_EVENTS, the controller removes recorded history (put and move events) older than this many seconds, oldest first, in batches like RETENTION_SUCCESS_SECONDS; the whole event store's history under the configured event names. Unset: kept for ever.",
    schema: seconds.optional(),
  },
  grace_period_seconds: {
    env: "GRACE_PERIOD_SECONDS",
    group: "controller",
    description: "A PROCESSING item the worker does not list is failed only after this long.",
    schema: seconds.default(60),
  },

  data_dir: {
    env: "TASK_QUEUE_DATA_DIR",
    group: "dev",
    description: "`dev`: folder of the embedded PGlite database.",
    schema: text.default("./.task-queue-data"),
  },

  url: {
    env: "TASK_QUEUE_URL",
    group: "client",
    description:
      "Client commands: URL of the task-queue server; credentials in it (`http://user:password@host`) are sent as Basic auth, not with `TASK_QUEUE_TOKEN`.",
    secret: "url",
    schema: text.default("http://127.0.0.1:8080"),
  },
  timeout: {
    env: "TASK_QUEUE_TIMEOUT",
    group: "client",
    description:
      "Client commands: seconds a request may wait for the server's answer (a `get --wait` gets its wait on top); a request that runs out of time is not retried.",
    schema: seconds.default(30),
  },
});

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function settingOf(key: SettingKey): SettingDefinition {
  return SETTINGS[key];
}

export function flagOf(key: SettingKey): string {
  return settingOf(key).flag ?? `--${key.replaceAll("_", "-")}`;
}

/** Every flag a setting answers to: its own, the same with underscores, and the Python task-queue's aliases. */
export function flagsOf(key: SettingKey): string[] {
  const own = flagOf(key);
  const names = [own, `--${own.slice(2).replaceAll("-", "_")}`, ...(settingOf(key).aliases?.flags ?? [])];
  return [...new Set(names)];
}

/** Every environment name a setting answers to: its own first, then the Python task-queue's. */
export function envNamesOf(key: SettingKey): string[] {
  return [settingOf(key).env, ...(settingOf(key).aliases?.env ?? [])];
}

/** How a setting is named in messages: its environment variable and its flag. */
export function labelOf(key: SettingKey): string {
  return `${settingOf(key).env} (${flagOf(key)})`;
}

/** The default as text for help and the README; undefined when the setting has none. */
export function defaultOf(key: SettingKey): unknown {
  const parsed = settingOf(key).schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}
