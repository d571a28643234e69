import { SqlQueueNamespace } from "@task-queue/queue-sql";
import { stringify } from "yaml";
import { CliError, EXIT_USAGE, type RunContext } from "../cli.js";
import { migrateLegacySql } from "../migrate/legacy-sql.js";
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
