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
const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((value) => (typeof value === "string" ? value.trim().toLowerCase() : value), z.enum(values));
/** A JSON object of resource name → limit, e.g. {"gpu": 2, "mem_gb": 64}; from a string or from the file. */
const resourceLimits = z.preprocess(
  (value, context) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      context.addIssue({ code: "custom", message: 'must be a JSON object such as {"gpu": 2}' });
      return z.NEVER;
    }
  },
  z.record(z.string(), z.number().nonnegative("limits must be numbers ≥ 0"), {
    error: 'must be a JSON object such as {"gpu": 2}',
  }),
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
  logger_level: {
    env: "LOGGER_LEVEL",
    group: "general",
    description: "Log level: trace, debug, info, warn, error, fatal or silent.",
    schema: lowerEnum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
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
      "PostgreSQL URL (`postgres://user:pass@host:5432/db`) or `pglite://<folder>`; or give the SQL_QUEUE_POSTGRES_* parts.",
    secret: "url",
    schema: text.optional(),
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
    schema: text.default("default"),
  },
  sql_queue_table: {
    env: "SQL_QUEUE_TABLE",
    group: "queue",
    description: "Table holding the SQL queues (lower-case letters, digits, _).",
    schema: text.default("task_queue_items"),
  },
  s3_queue_base_path: {
    env: "S3_QUEUE_BASE_PATH",
    group: "queue",
    description: "`s3://bucket/prefix` (or `bucket/prefix`) under which the S3 queue keeps its items.",
    schema: text.optional(),
  },
  s3_endpoint_url: {
    env: "S3_ENDPOINT_URL",
    group: "queue",
    description: "S3-compatible endpoint (MinIO, Ceph, …), addressed path-style; AWS S3 when unset.",
    secret: "url",
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
    description: "Where events are kept: `sql-json` (the queue's database) or `in-memory`.",
    schema: lowerEnum(["sql-json", "in-memory"]).default("sql-json"),
  },
  add_to_queue_event_name: {
    env: "ADD_TO_QUEUE_EVENT_NAME",
    group: "queue",
    description: "Event name recorded when an item is put.",
    schema: text.default("TASK_QUEUE_ADD"),
  },
  move_queue_event_name: {
    env: "MOVE_QUEUE_EVENT_NAME",
    group: "queue",
    description: "Event name recorded when an item changes stage.",
    schema: text.default("TASK_QUEUE_MOVE"),
  },

  host: {
    env: "HOST",
    group: "server",
    description: "Address the API server listens on.",
    schema: text.default("127.0.0.1"),
  },
  port: {
    env: "PORT",
    group: "server",
    description: "Port the API server listens on (0: any free port).",
    schema: integer(0, 65535).default(8080),
  },
  rescue_interval_seconds: {
    env: "RESCUE_INTERVAL_SECONDS",
    group: "server",
    description:
      "Seconds between sweeps of expired leases (each queue's `rescueExpired()`), so sizes stay truthful; a claim rescues expired items on its own.",
    schema: seconds.default(5),
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
  process_timeout_seconds: {
    env: "PROCESS_TIMEOUT_SECONDS",
    group: "worker",
    description: "Process worker: a script running longer is killed and its item fails.",
    schema: seconds.optional(),
  },

  processing_limit: {
    env: "PROCESSING_LIMIT",
    group: "controller",
    description: "Keep at most this many items in PROCESSING (strategy ProcessingLimit).",
    schema: integer(1).optional(),
  },
  resource_limits: {
    env: "RESOURCE_LIMITS",
    group: "controller",
    description:
      'JSON limits, e.g. `{"gpu": 2, "mem_gb": 64}` (strategy ResourceLimit); neither limit: release all.',
    schema: resourceLimits.optional(),
  },
  resource_key: {
    env: "RESOURCE_KEY",
    group: "controller",
    description: "Field of an item's body that holds its resource needs.",
    schema: text.default("resources"),
  },
  periodic_seconds: {
    env: "PERIODIC_SECONDS",
    group: "controller",
    description: "Seconds from one controller tick to the next.",
    schema: seconds.default(5),
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
});

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function settingOf(key: SettingKey): SettingDefinition {
  return SETTINGS[key];
}

export function flagOf(key: SettingKey): string {
  return settingOf(key).flag ?? `--${key.replaceAll("_", "-")}`;
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
