import type { Command } from "commander";
import { stringify } from "yaml";
import { action, addSettingFlags, type CommandSpec, withExamples } from "../cli.js";
import { settingsMarkdown } from "../config/markdown.js";
import { redactedSettings } from "../config/redact.js";

const spec: CommandSpec = {
  groups: ["queue", "server", "auth", "worker", "controller", "dev", "client"],
  logTo: "stderr",
  rules: false,
};

export function configCommand(program: Command): void {
  const command = program
    .command("config")
    .summary("Show the effective configuration, or --markdown: the table of every setting")
    .description(
      "Show the effective configuration (flags > environment > config file > defaults; secrets redacted),\n" +
        "or with --markdown the table of every setting (the README's configuration table).",
    )
    .option("--markdown", "print the table of every setting as Markdown");
  addSettingFlags(command, spec);
  withExamples(command, ["task-queue config", "task-queue config --markdown > settings.md"]);
  command.action(async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    if (command.opts().markdown) {
      process.stdout.write(settingsMarkdown());
      return;
    }
    await action({ ...spec }, async ({ config }) => {
      process.stdout.write(stringify(redactedSettings(config.settings, config.keys)));
      return 0;
    })(...args);
  });
}
