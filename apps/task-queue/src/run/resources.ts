/**
 * What a command opened (pools, servers, workers, signal handlers), closed in reverse order however the command
 * ends: after a clean stop and after a failed start-up alike, so that a fatal error never leaves a pool holding
 * the process open.
 */
export class Resources {
  private readonly closers: Array<() => unknown> = [];

  /** Registers `value` to be closed with `close`; returns it. */
  add<T>(value: T, close: (value: T) => unknown): T {
    this.closers.push(() => close(value));
    return value;
  }

  /** Closes everything, last opened first; every closer runs even if one fails, then the first failure is thrown. */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

/** Runs `body` with a Resources that is closed when it returns or throws. */
export async function withResources<T>(body: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources();
  try {
    return await body(resources);
  } finally {
    await resources.close();
  }
}
