import { clientOf, isPglite, isPostgresJs } from "./clients.js";
import type { DrizzleDatabase } from "./database.js";
import { executorFor } from "./executor.js";
import { PerClient } from "./per-client.js";
import { queuesWithWork } from "./sql/ready-queues.js";
import type { QueueTable } from "./table.js";

/** Milliseconds between two looks of the shared fallback poll: a lost notification costs a waiter at most this. */
export const WAIT_POLL_MS = 1_000;

/** Which of the named queues have work for a get (see queuesWithWork). */
type Probe = (queueNames: readonly string[]) => Promise<string[]>;

/**
 * Wake-ups for consumers waiting in getJobs: statements that make work available (put, requeue, a retry, retryNow,
 * a rescue) run pg_notify(<table>_work, <queue name>); one LISTEN per database client and channel — on postgres.js
 * its single listening connection, shared by every channel and waiter of the process; on PGlite its own listen() —
 * fans each notification out to the waiters of that queue. A notification lost (to a reconnect, or never sent: a
 * delay expiring, a lease expiring) costs a waiter at most the fallback poll, which is shared too: while anyone
 * waits, one statement every WAIT_POLL_MS asks which of the waited-on queues have work and wakes their waiters, so
 * idle consumers cost one statement a second per process and table, not one per consumer.
 */
export class WorkNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private listening: Promise<void> | null = null;
  private stopListening: (() => Promise<void>) | null = null;
  /** True while the LISTEN is in effect (waiters then rely on it and on the shared poll). */
  private listens = false;
  /**
   * True once a LISTEN has worked: from then on waiters do not poll for themselves, so the shared poll keeps running
   * while anyone waits, even after close() (another handle on the same client may still have waiters).
   */
  private pollShared = false;
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private polling = false;

  constructor(
    private readonly client: unknown,
    private readonly channel: string,
    private readonly probe: Probe,
  ) {}

  /** Registers a wake-up for one queue; returns the function that removes it. */
  subscribe(queueName: string, wake: () => void): () => void {
    let set = this.waiters.get(queueName);
    if (!set) {
      set = new Set();
      this.waiters.set(queueName, set);
    }
    set.add(wake);
    this.schedulePoll();
    return () => {
      set.delete(wake);
      if (set.size === 0) this.waiters.delete(queueName);
    };
  }

  /** Arms the shared poll's next look, unless one is armed or running, or nothing can use it. */
  private schedulePoll(): void {
    if (!this.pollShared || this.pollTimer !== null || this.polling || this.waiters.size === 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      void this.poll();
    }, WAIT_POLL_MS);
    this.pollTimer.unref?.();
  }

  private async poll(): Promise<void> {
    const names = [...this.waiters.keys()];
    if (names.length === 0) return;
    this.polling = true;
    try {
      for (const name of await this.probe(names)) this.deliver(name);
    } catch {
      // The waiters look for themselves (e.g. the connection is gone: their get reports it).
      this.wakeAll();
    } finally {
      this.polling = false;
      this.schedulePoll();
    }
  }

  /**
   * Starts listening (once; later calls share it). Resolves when the LISTEN is in effect, so a waiter that then
   * subscribes misses no notification, with true; with false when this client cannot listen (e.g. a drizzle
   * database without its client): its waiters then poll for themselves.
   */
  async ready(): Promise<boolean> {
    this.listening ??= this.listen().then(
      () => {
        this.listens = true;
        this.pollShared = true;
      },
      () => {
        this.listening = null;
      },
    );
    await this.listening;
    return this.listens;
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
    this.listens = false;
    if (this.pollTimer !== null && this.waiters.size === 0) {
      clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
    await stop?.().catch(() => {});
  }
}

/** One notifier per database client and channel, shared by every queue handle on them. */
const notifiers = new PerClient<WorkNotifier>();

export function notifierFor(db: DrizzleDatabase, table: QueueTable): WorkNotifier {
  const client = clientOf(db);
  const key: object = typeof client === "object" || typeof client === "function" ? (client as object) : db;
  return notifiers.get(key, table.channel, () => {
    const run = executorFor(db);
    return new WorkNotifier(client, table.channel, (names) => queuesWithWork(run, table, names));
  });
}
