import type { Command } from "commander";
import { action, addSettingFlags, type CommandSpec, withExamples } from "../cli.js";

const spec: CommandSpec = { groups: ["queue", "server", "auth"], logConfig: true };

export function serverCommand(program: Command): void {
  const command = program
    .command("server")
    .description("Serve the HTTP API (and its docs at /docs) over the configured queue backend.");
  addSettingFlags(command, spec);
  withExamples(command, [
    "task-queue server --sql-queue-connection-string postgres://user:pass@db:5432/queues",
    "QUEUE_IMPLEMENTATION=s3-json S3_QUEUE_BASE_PATH=my-bucket/queues task-queue server --port 9000",
    "TASK_QUEUE_TOKEN=s3cret task-queue server --host 0.0.0.0",
  ]);
  command.action(action(spec, async (context) => (await import("../run/server.js")).runServer(context)));
}
