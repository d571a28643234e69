import { z } from "zod";
import { labelOf, SETTINGS, type SettingGroup, type SettingKey } from "./settings.js";

type Shape = { [K in SettingKey]: (typeof SETTINGS)[K]["schema"] };

const shape = Object.fromEntries(
  Object.entries(SETTINGS).map(([key, setting]) => [key, setting.schema]),
) as Shape;

/** Every setting, parsed and with defaults applied. */
export const settingsObject = z.object(shape);
export type Settings = z.output<typeof settingsObject>;

type Check = (settings: Settings, report: (key: SettingKey, message: string) => void) => void;

const SQL_PARTS = [
  "sql_queue_postgres_user",
  "sql_queue_postgres_hostname",
  "sql_queue_postgres_database",
] as const;

const queueRules: Check = (s, report) => {
  const parts = SQL_PARTS.filter((key) => s[key] !== undefined);
  if (s.queue_implementation === "sql-json") {
    // A connection string and its parts: the string wins, as in the Python task-queue (a notice says so).
    if (s.sql_queue_connection_string === undefined) {
      if (parts.length === 0)
        report(
          "sql_queue_connection_string",
          "required when QUEUE_IMPLEMENTATION is sql-json (or give SQL_QUEUE_POSTGRES_USER, _HOSTNAME and _DATABASE)",
        );
      else
        for (const key of SQL_PARTS)
          if (s[key] === undefined) report(key, "required with the other SQL_QUEUE_POSTGRES_* settings");
    }
  }
  if (s.queue_implementation === "s3-json") {
    if (s.s3_queue_base_path === undefined)
      report("s3_queue_base_path", "required when QUEUE_IMPLEMENTATION is s3-json");
    if ((s.aws_access_key_id === undefined) !== (s.aws_secret_access_key === undefined))
      report(
        s.aws_access_key_id === undefined ? "aws_access_key_id" : "aws_secret_access_key",
        "give AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY together (or neither, for the AWS default credentials)",
      );
  }
  if (s.with_queue_events && s.event_store_implementation === "none")
    report(
      "event_store_implementation",
      "none contradicts WITH_QUEUE_EVENTS: choose sql-json or in-memory, or turn WITH_QUEUE_EVENTS off",
    );
  if (
    s.with_queue_events &&
    s.event_store_implementation === "sql-json" &&
    s.queue_implementation !== "sql-json"
  )
    report(
      "event_store_implementation",
      `sql-json needs QUEUE_IMPLEMENTATION sql-json (it is ${s.queue_implementation}); use in-memory`,
    );
};

const workerRules: Check = (s, report) => {
  if (s.worker_interface === undefined) report("worker_interface", "required: argo-workflows or process");
  if (s.worker_interface === "argo-workflows") {
    if (s.endpoint === undefined) report("endpoint", "required when WORKER_INTERFACE is argo-workflows");
    if (s.worker_interface_id === undefined)
      report(
        "worker_interface_id",
        "required when WORKER_INTERFACE is argo-workflows (the label value of this controller's workflows)",
      );
  }
  if (s.argo_ca_file !== undefined && s.argo_insecure_skip_verify)
    report(
      "argo_insecure_skip_verify",
      "contradicts ARGO_CA_FILE: verify with the CA, or skip verification, not both",
    );
  if (s.worker_interface === "process" && s.path_to_scripts === undefined)
    report("path_to_scripts", "required when WORKER_INTERFACE is process");
};

const RULES: Partial<Record<SettingGroup, Check>> = {
  queue: queueRules,
  worker: workerRules,
};

/**
 * Settings given but overridden by another, as the Python task-queue resolved them: each a warning to log at start.
 * `given` holds the settings the sources (not the defaults) gave.
 */
export function configNotices(
  settings: Settings,
  given: ReadonlySet<SettingKey>,
  groups: readonly SettingGroup[],
): string[] {
  const notices: string[] = [];
  if (groups.includes("queue") && settings.queue_implementation === "sql-json") {
    const parts = [...SQL_PARTS, "sql_queue_postgres_password", "sql_queue_postgres_port"] as const;
    const ignored = parts.filter((key) => given.has(key));
    if (settings.sql_queue_connection_string !== undefined && ignored.length > 0)
      notices.push(
        `${ignored.map((key) => SETTINGS[key].env).join(", ")} ignored: SQL_QUEUE_CONNECTION_STRING is given and wins`,
      );
  }
  if (
    groups.includes("controller") &&
    settings.resource_limits !== undefined &&
    given.has("processing_limit")
  )
    notices.push(
      "PROCESSING_LIMIT ignored: RESOURCE_LIMITS is given, so the release strategy is ResourceLimit",
    );
  return notices;
}

/**
 * The one schema of a command's configuration: every setting's own schema, then the rules between settings of
 * the groups the command reads. Issues carry the setting key as their path.
 */
export function configSchema(groups: readonly SettingGroup[]) {
  return settingsObject.superRefine((settings, context) => {
    const report = (key: SettingKey, message: string): void => {
      context.addIssue({ code: "custom", path: [key], message });
    };
    for (const group of groups) RULES[group]?.(settings, report);
  });
}

/** A message for one issue, naming the setting by its environment variable and flag. */
export function describeIssue(key: SettingKey | null, message: string): string {
  return key === null ? message : `${labelOf(key)}: ${message}`;
}
