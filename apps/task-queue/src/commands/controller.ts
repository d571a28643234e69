import type { Command } from "commander";
import { action, addSettingFlags, type CommandSpec, withExamples } from "../cli.js";

const spec: CommandSpec = { groups: ["queue", "worker", "controller"], logConfig: true };

export function controllerCommand(program: Command): void {
  const command = program
    .command("controller")
    .summary("Release WAITING items to the worker under a strategy and record finished jobs, every period")
    .description(
      "Every period: move finished jobs to SUCCESS/FAIL, then release WAITING items to the worker under the strategy.\n" +
        "Signals: SIGTERM/SIGINT stop after the current tick (exit 0); SIGUSR2 pauses releasing, SIGCONT resumes.",
    )
    .option("--once", "run a single tick and exit");
  addSettingFlags(command, spec);
  withExamples(command, [
    "task-queue controller --worker-interface process --path-to-scripts ./examples/scripts --processing-limit 4",
    "WORKER_INTERFACE=argo-workflows ENDPOINT=https://argo:2746 WORKER_INTERFACE_ID=my-template task-queue controller",
    `task-queue controller --once --resource-limits '{"gpu": 2}' --worker-interface process --path-to-scripts ./scripts`,
  ]);
  command.action(
    action(spec, async (context) => (await import("../run/controller.js")).runController(context)),
  );
}
