/**
 * The logging surface packages need. A pino logger satisfies it; packages take one in their options instead of
 * depending on pino, so the app decides where logs go and at which level.
 */
export interface Logger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

const ignore = (): void => {};

/** Drops everything: the default when no logger is given. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
