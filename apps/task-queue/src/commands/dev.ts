import type { Command } from "commander";
import { action, addSettingFlags, type CommandSpec, withExamples } from "../cli.js";
import { EXAMPLE_SCRIPTS_DIR } from "../paths.js";

const spec: CommandSpec = {
  groups: ["server", "auth", "controller", "dev"],
  extraKeys: [
    "path_to_scripts",
    "process_timeout_seconds",
    "process_interpreters",
    "process_fail_on_stderr",
    "sql_queue_name",
  ],
  logConfig: true,
  // A short period and a small limit so that a tour shows items moving; a given RESOURCE_LIMITS replaces the limit.
  defaults: (given) => ({
    periodic_seconds: 1,
    path_to_scripts: EXAMPLE_SCRIPTS_DIR,
    ...(given.resource_limits === undefined ? { processing_limit: 4 } : {}),
  }),
};

export function devCommand(program: Command): void {
  const command = program
    .command("dev")
    .summary("Server + controller + process worker in one process on an embedded database (no setup)")
    .description(
      "Run everything in one process with nothing installed: the API server, the controller and a process worker\n" +
        "over an embedded PGlite database in a local folder (default ./.task-queue-data), with item history.",
    );
  addSettingFlags(command, spec);
  withExamples(command, [
    "task-queue dev",
    "task-queue dev --port 9000 --data-dir /tmp/tq --path-to-scripts ./my-scripts",
    "PROCESSING_LIMIT=8 task-queue dev",
  ]);
  command.action(action(spec, async (context) => (await import("../run/dev.js")).runDev(context)));
}
