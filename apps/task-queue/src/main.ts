#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { EXIT_USAGE } from "./cli.js";
import { clientCommands } from "./commands/client.js";
import { configCommand } from "./commands/config.js";
import { controllerCommand } from "./commands/controller.js";
import { devCommand } from "./commands/dev.js";
import { migrateCommand } from "./commands/migrate.js";
import { serverCommand } from "./commands/server.js";

/** How long a finished command may take to let go of the event loop before it is made to exit. */
const LINGER_MS = 2_000;

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const program = new Command("task-queue")
  .version(version)
  .description(
    "A work queue: PostgreSQL, PGlite or S3 storage; Argo Workflows or local processes run the jobs.",
  )
  .showHelpAfterError()
  .exitOverride((error) => {
    // Bad usage is exit 2; --help and --version are 0.
    process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  })
  .addHelpText(
    "after",
    `
Examples:
  $ task-queue dev                                   # everything in one process, nothing to install
  $ task-queue put examples/items.json               # add items to a running server
  $ task-queue sizes                                 # how many items in each stage
  $ task-queue server --sql-queue-connection-string postgres://localhost/queues
  $ task-queue controller --worker-interface process --path-to-scripts ./scripts --processing-limit 4
  $ task-queue config --markdown                     # every setting, its variable, flag and default

Run "task-queue <command> --help" for a command's settings and examples.`,
  );

serverCommand(program);
controllerCommand(program);
devCommand(program);
clientCommands(program);
configCommand(program);
migrateCommand(program);

await program.parseAsync(process.argv);

// The command has finished (its resources closed, its exit code set). Whatever still holds the event loop now is a
// leak: say so and exit rather than hang. The timer itself keeps nothing alive.
setTimeout(() => {
  process.stderr.write("task-queue: exiting although handles were still open after the command ended\n");
  process.exit();
}, LINGER_MS).unref();
