import { clientOf, isPglite, isPostgresJs } from "./clients.js";
import type { DrizzleDatabase } from "./database.js";

/**
 * Wake-ups for consumers waiting in getJobs: statements that make work available (put, requeue, a retry, retryNow,
 * a rescue) run pg_notify(<table>_work, <queue name>); one LISTEN per database client and channel — on postgres.js
 * its single listening connection, shared by every channel and waiter of the process; on PGlite its own listen() —
 * fans each notification out to the waiters of that queue. A notification lost to a reconnect costs a waiter at
 * most its fallback poll.
 */
export class WorkNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private listening: Promise<void> | null = null;
  private stopListening: (() => Promise<void>) | null = null;

  constructor(
    private readonly client: unknown,
    private readonly channel: string,
  ) {}

  /** Registers a wake-up for one queue; returns the function that removes it. */
  subscribe(queueName: string, wake: () => void): () => void {
    let set = this.waiters.get(queueName);
    if (!set) {
      set = new Set();
      this.waiters.set(queueName, set);
    }
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.waiters.delete(queueName);
    };
  }

  /**
   * Starts listening (once; later calls share it). Resolves when the LISTEN is in effect, so a waiter that then
   * subscribes misses no notification. A client that cannot listen (e.g. a drizzle database without its client)
   * leaves waiters on the fallback poll.
   */
  ready(): Promise<void> {
    this.listening ??= this.listen().catch(() => {
      this.listening = null;
    });
    return this.listening;
  }

  private deliver(queueName: string): void {
    for (const wake of this.waiters.get(queueName) ?? []) wake();
  }

  private wakeAll(): void {
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  private async listen(): Promise<void> {
    const client = this.client;
    if (isPglite(client)) {
      const unlisten = await client.listen(this.channel, (payload) => this.deliver(payload));
      this.stopListening = () => unlisten();
      return;
    }
    if (isPostgresJs(client)) {
      // onlisten also runs after postgres.js re-listens on a new connection: whatever was notified meanwhile is
      // unknown, so every waiter looks again.
      const { unlisten } = await client.listen(
        this.channel,
        (payload) => this.deliver(payload),
        () => this.wakeAll(),
      );
      this.stopListening = unlisten;
      return;
    }
    throw new Error("this database client cannot LISTEN");
  }

  /** Stops listening (the queue or namespace that owns the client is closing). */
  async close(): Promise<void> {
    const stop = this.stopListening;
    this.stopListening = null;
    this.listening = null;
    await stop?.().catch(() => {});
  }
}

/** One notifier per database client and channel, shared by every queue handle on them. */
const notifiers = new WeakMap<object, Map<string, WorkNotifier>>();

export function notifierFor(db: DrizzleDatabase, channel: string): WorkNotifier {
  const client = clientOf(db);
  const key: object = typeof client === "object" || typeof client === "function" ? (client as object) : db;
  let byChannel = notifiers.get(key);
  if (!byChannel) {
    byChannel = new Map();
    notifiers.set(key, byChannel);
  }
  let notifier = byChannel.get(channel);
  if (!notifier) {
    notifier = new WorkNotifier(client, channel);
    byChannel.set(channel, notifier);
  }
  return notifier;
}
