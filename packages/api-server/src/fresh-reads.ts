/**
 * Shares one read among the callers that ask for it at once (request coalescing), without ever answering a caller
 * from a read that began before it asked: a caller that finds a read running waits for the next one, which starts
 * when the running one ends and serves everyone who arrived meanwhile. So a client that wrote and then reads sees
 * its write, as with a read of its own, while a crowd of pollers (dashboards, scrapers, `sizes` loops) costs the
 * storage at most two reads in flight per key instead of one per request.
 */
export class FreshReads<T> {
  readonly #entries = new Map<string, { running?: Promise<T>; next?: Promise<T> }>();

  read(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = {};
      this.#entries.set(key, entry);
    }
    const { running } = entry;
    if (running === undefined) return this.#start(key, entry, load);
    if (entry.next !== undefined) return entry.next;
    const waiting = entry;
    waiting.next = running.then(ignore, ignore).then(() => {
      waiting.next = undefined;
      return this.#start(key, waiting, load);
    });
    return waiting.next;
  }

  #start(
    key: string,
    entry: { running?: Promise<T>; next?: Promise<T> },
    load: () => Promise<T>,
  ): Promise<T> {
    const running = load().finally(() => {
      if (entry.running === running) entry.running = undefined;
      if (entry.running === undefined && entry.next === undefined) this.#entries.delete(key);
    });
    entry.running = running;
    return running;
  }
}

function ignore(): void {}
