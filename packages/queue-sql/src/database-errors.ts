import { isQueueError, QueueUnavailable } from "@task-queue/queue-core";
import { DrizzleQueryError } from "drizzle-orm";

// Network errors (Node), postgres.js connection states, and SQLSTATE classes 08 (connection) and 57P (shutdown).
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

function connectionFailureCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  return CONNECTION_CODES.has(code) || code.startsWith("08") || code.startsWith("57P") ? code : null;
}

/**
 * Runs an operation and cleans up what the database throws:
 * - drizzle wraps driver errors in a DrizzleQueryError whose message lists every parameter — item ids and bodies,
 *   megabytes of them for a large put, possibly secrets — so the driver's own error is thrown instead;
 * - a lost or refused connection becomes QueueUnavailable (the API answers 503), naming the failure, never the
 *   connection string.
 */
export async function translateErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (thrown) {
    const error = thrown instanceof DrizzleQueryError && thrown.cause !== undefined ? thrown.cause : thrown;
    if (isQueueError(error)) throw error;
    const code = connectionFailureCode(error);
    if (code !== null)
      throw new QueueUnavailable(`the queue database cannot be reached (${code})`, { cause: error });
    throw error;
  }
}
