import { S3Client } from "@aws-sdk/client-s3";
import { parseS3Path } from "@task-queue/queue-s3";
import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { stringify } from "yaml";
import { CliError, EXIT_USAGE, type RunContext } from "../cli.js";
import { migrateLegacyS3 } from "../migrate/legacy-s3.js";
import { migrateLegacySql } from "../migrate/legacy-sql.js";
import { s3Connection } from "../wiring/s3.js";
import { sqlConnectionString } from "../wiring/sql-connection.js";

/** `task-queue migrate legacy-sql`: prints the report (YAML) on stdout; exit 0 on a dry run and on --apply. */
export async function runMigrateLegacySql({ config, logger, options }: RunContext): Promise<number> {
  const { settings } = config;
  if (settings.queue_implementation !== "sql-json")
    throw new CliError(
      "QUEUE_IMPLEMENTATION (--queue-implementation): legacy-sql copies into a SQL queue; set sql-json",
      EXIT_USAGE,
    );
  // Not migrated on open: a dry run creates nothing; the migration itself runs in the copy's transaction.
  const namespace = await SqlQueueNamespace.open({
    connection: sqlConnectionString(settings),
    tableName: settings.sql_queue_table,
    migrate: false,
  });
  try {
    const report = await migrateLegacySql({
      namespace,
      fromTable: String(options.fromTable),
      fromEventsTable: String(options.fromEventsTable),
      eventNames: { add: settings.add_to_queue_event_name, move: settings.move_queue_event_name },
      ...(typeof options.eventsQueue === "string" ? { eventsQueue: options.eventsQueue } : {}),
      apply: options.apply === true,
    });
    process.stdout.write(stringify(report));
    if (!report.applied) logger.info({}, "dry run: nothing was written; run again with --apply to write");
    return 0;
  } finally {
    await namespace.close();
  }
}

/** `task-queue migrate legacy-s3`: prints the report (YAML) on stdout. */
export async function runMigrateLegacyS3({ config, logger, options }: RunContext): Promise<number> {
  const { settings } = config;
  if (settings.s3_queue_base_path === undefined)
    throw new CliError(
      "S3_QUEUE_BASE_PATH (--s3-queue-base-path): required: the base the Python task-queue used",
      EXIT_USAGE,
    );
  const { basePath, endpoint, region, forcePathStyle, credentials } = s3Connection(settings, logger);
  const client = new S3Client({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(forcePathStyle ? { forcePathStyle } : {}),
    ...(credentials ? { credentials } : {}),
  });
  try {
    const report = await migrateLegacyS3({
      client,
      location: parseS3Path(basePath),
      apply: options.apply === true,
    });
    process.stdout.write(stringify(report));
    if (!report.applied) logger.info({}, "dry run: nothing was written; run again with --apply to write");
    return 0;
  } finally {
    client.destroy();
  }
}
