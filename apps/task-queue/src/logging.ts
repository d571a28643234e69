import pino, { type Logger as PinoLogger } from "pino";
import pretty from "pino-pretty";

export type { PinoLogger };

/**
 * The app's logger. JSON lines for machines; pino-pretty when the stream is a terminal. Services log to stdout;
 * client commands log to stderr so their output can be piped.
 */
export function createLogger(level: string, destination: "stdout" | "stderr" = "stdout"): PinoLogger {
  const fd = destination === "stdout" ? 1 : 2;
  const stream = destination === "stdout" ? process.stdout : process.stderr;
  if (stream.isTTY) {
    return pino({ level }, pretty({ destination: fd, colorize: true, ignore: "pid,hostname", sync: true }));
  }
  return pino({ level }, pino.destination({ fd, sync: true }));
}
