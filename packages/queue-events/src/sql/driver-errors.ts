import { DrizzleQueryError } from "drizzle-orm";

/**
 * Runs a statement, rethrowing the driver's own error instead of drizzle's wrapper: the wrapper's message lists
 * every parameter, i.e. whole event bodies, which must not end up in logs or API answers.
 */
export async function withDriverErrors<T>(statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    throw error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error;
  }
}
