import { type Command, Option } from "commander";
import { ConfigError, keysFor, type LoadedConfig, type LoadOptions, loadConfig } from "./config/load.js";
import { redactedSettings, redactUrlsIn } from "./config/redact.js";
import { defaultOf, flagsOf, type SettingGroup, type SettingKey, settingOf } from "./config/settings.js";
import { createLogger, type PinoLogger } from "./logging.js";

/** Exit codes: 0 done, 1 failed at run time, 2 bad usage or configuration. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error to print as one line and exit with, never with a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface CommandSpec {
  groups: SettingGroup[];
  extraKeys?: SettingKey[];
  defaults?: LoadOptions["defaults"];
  /** Where logs go: services to stdout, client commands to stderr (their output is the result). */
  logTo?: "stdout" | "stderr";
  /** Log the effective configuration at start (services do). */
  logConfig?: boolean;
  /** Check the rules between settings (default true). */
  rules?: boolean;
}

export interface RunContext {
  config: LoadedConfig;
  logger: PinoLogger;
  /** The command's own options and arguments. */
  options: Record<string, unknown>;
}

function isBoolean(key: SettingKey): boolean {
  return typeof defaultOf(key) === "boolean";
}

/** Adds a flag for every setting the command reads, described from the settings table. */
export function addSettingFlags(command: Command, spec: Pick<CommandSpec, "groups" | "extraKeys">): Command {
  for (const key of keysFor(["general", ...spec.groups], spec.extraKeys)) {
    const setting = settingOf(key);
    const fallback = defaultOf(key);
    const shown = fallback === undefined ? "" : ` (default: ${JSON.stringify(fallback)})`;
    const [own, ...others] = flagsOf(key);
    const argument = isBoolean(key) ? "[bool]" : "<value>";
    command.addOption(
      new Option(
        `${own} ${argument}`,
        `${setting.description.replaceAll("`", "")}${shown} [env ${setting.env}]`,
      ),
    );
    // The Python task-queue's spellings (--worker_interface, --connection-string): accepted, not listed.
    for (const flag of others) command.addOption(new Option(`${flag} ${argument}`).hideHelp());
  }
  return command;
}

/** Turns a command's body into a commander action: configuration, logger, and errors as exit codes. */
export function action(
  spec: CommandSpec,
  body: (context: RunContext) => Promise<number | undefined>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.opts();
    const flags: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(options)) flags[name] = value;
    let code: number;
    try {
      const config = loadConfig({
        groups: spec.groups,
        ...(spec.extraKeys ? { extraKeys: spec.extraKeys } : {}),
        ...(spec.defaults ? { defaults: spec.defaults } : {}),
        ...(spec.rules === false ? { rules: false } : {}),
        flags,
        env: process.env,
      });
      const logger = createLogger(config.settings.logger_level, spec.logTo ?? "stdout");
      for (const notice of config.notices) logger.warn({}, notice);
      if (spec.logConfig)
        logger.info({ config: redactedSettings(config.settings, config.keys) }, "effective configuration");
      code = (await body({ config, logger, options: { ...options, args: command.args } })) ?? 0;
    } catch (error) {
      code = reportError(error);
    }
    process.exitCode = code;
  };
}

/** Prints an error for a person (no stack, no password of a URL it quotes) and returns its exit code. */
export function reportError(error: unknown): number {
  const message = redactUrlsIn(error instanceof Error ? error.message : String(error));
  process.stderr.write(`task-queue: ${message}\n`);
  if (error instanceof ConfigError) return EXIT_USAGE;
  if (error instanceof CliError) return error.exitCode;
  if (process.env.TASK_QUEUE_DEBUG && error instanceof Error)
    process.stderr.write(`${redactUrlsIn(error.stack ?? "")}\n`);
  return EXIT_FAILURE;
}

/** Adds an "Examples:" section to a command's help. */
export function withExamples(command: Command, examples: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
}
