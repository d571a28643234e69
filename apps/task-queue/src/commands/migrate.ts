import type { Command } from "commander";
import { action, addSettingFlags, type CommandSpec, withExamples } from "../cli.js";

const spec: CommandSpec = { groups: ["queue"], logTo: "stderr" };
// S3 needs no QUEUE_IMPLEMENTATION s3-json to be re-keyed, nor a SQL connection: only the queue rules of S3.
const s3Spec: CommandSpec = { groups: ["queue"], logTo: "stderr", rules: false };

export function migrateCommand(program: Command): void {
  const migrate = program
    .command("migrate")
    .summary("Copy what the Python task-queue stored into this one's storage (dry run unless --apply)");
  const legacySql = migrate
    .command("legacy-sql")
    .summary("Copy the Python task-queue's sqlqueue and sqleventstore tables into ours")
    .description(
      "Copies the Python task-queue's SqlQueue table (sqlqueue) into the queue table (SQL_QUEUE_TABLE), keeping\n" +
        "ids, bodies and stages, and its SqlEventStore table (sqleventstore) into the event store, as item history.\n" +
        "Idempotent: what an earlier run copied is skipped. A dry run (the default) reports the counts and writes\n" +
        "nothing; --apply writes, in one transaction. The legacy tables are left as they are.",
    )
    .option("--apply", "write (default: a dry run that writes nothing)")
    .option("--from-table <name>", "the Python task-queue's item table", "sqlqueue")
    .option("--from-events-table <name>", "its event table (skipped when absent)", "sqleventstore")
    .option(
      "--events-queue <name>",
      "the queue for events whose item id is in no or several legacy queues (its events name no queue)",
    );
  addSettingFlags(legacySql, spec);
  withExamples(legacySql, [
    "SQL_QUEUE_CONNECTION_STRING=postgres://app@db/queues task-queue migrate legacy-sql",
    "SQL_QUEUE_CONNECTION_STRING=postgres://app@db/queues task-queue migrate legacy-sql --apply",
  ]);
  legacySql.action(
    action(spec, async (context) => (await import("../run/migrate.js")).runMigrateLegacySql(context)),
  );

  const legacyS3 = migrate
    .command("legacy-s3")
    .summary("Re-key the objects the Python task-queue wrote under S3_QUEUE_BASE_PATH")
    .description(
      "The Python task-queue kept an item at <base>/<STAGE>/<id>.json with the raw id in the key; ids with /,\n" +
        "spaces or % are then under keys this queue does not read. This re-keys them to this queue's key for the same\n" +
        "id, keeping body and stage (index.txt, when present, says which ids are the original's). Idempotent; a dry\n" +
        "run (the default) reports what --apply would re-key.",
    )
    .option("--apply", "write (default: a dry run that writes nothing)");
  addSettingFlags(legacyS3, s3Spec);
  withExamples(legacyS3, [
    "S3_QUEUE_BASE_PATH=s3://bucket/queue S3_ENDPOINT_URL=http://minio:9000 task-queue migrate legacy-s3",
    "S3_QUEUE_BASE_PATH=s3://bucket/queue task-queue migrate legacy-s3 --apply",
  ]);
  legacyS3.action(
    action(s3Spec, async (context) => (await import("../run/migrate.js")).runMigrateLegacyS3(context)),
  );
}
