import assert from "node:assert/strict";

/**
 * Asserts that `promise` rejects with an error of `type`, then runs `check` on it. An error of the same name counts
 * too: a second copy of queue-core (a version skew) throws its own classes, which instanceof does not recognise.
 */
export async function rejects<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
  check?: (error: E) => void,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      error instanceof type || (error as { name?: string })?.name === type.name,
      `expected ${type.name}, got ${String(error)}`,
    );
    check?.(error as E);
    return true;
  });
}
