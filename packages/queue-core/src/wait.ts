/**
 * Waiting for work, shared by every backend: try, and while nothing came back, sleep until a wake-up (a put, a
 * retry, a requeue — whatever the backend signals), the next due time it knows of, or the fallback poll, whichever
 * is first. The fallback bounds what a lost signal costs.
 */
export interface WaitForWorkOptions {
  waitSeconds: number;
  signal?: AbortSignal | undefined;
  /** Registers a wake-up callback; returns the function that unregisters it. */
  subscribe?: (wake: () => void) => () => void;
  /** Milliseconds from now until the next delayed item becomes available, or null when none is known. */
  nextDueMs?: () => Promise<number | null> | number | null;
  /** Upper bound on one sleep (default 1 s). */
  pollMs?: number;
}

export async function waitForWork<T>(take: () => Promise<T[]>, options: WaitForWorkOptions): Promise<T[]> {
  const deadline = Date.now() + options.waitSeconds * 1000;
  const pollMs = options.pollMs ?? 1000;
  for (;;) {
    if (options.signal?.aborted) return [];
    // Subscribe before trying, so a put that lands between the try and the sleep still wakes us.
    let woken = false;
    let wake: () => void = () => {
      woken = true;
    };
    const unsubscribe = options.subscribe?.(() => wake()) ?? (() => {});
    try {
      const taken = await take();
      const left = deadline - Date.now();
      if (taken.length > 0 || left <= 0) return taken;
      if (woken) continue;
      const due = (await options.nextDueMs?.()) ?? null;
      const sleepMs = Math.max(0, Math.min(left, pollMs, due ?? Number.POSITIVE_INFINITY));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, sleepMs);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", done);
          resolve();
        }
        wake = done;
        if (woken) done();
        options.signal?.addEventListener("abort", done, { once: true });
      });
    } finally {
      unsubscribe();
    }
  }
}
