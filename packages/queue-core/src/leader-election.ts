/**
 * Decides which of several controllers of one queue is the active one: only the leader releases and reconciles
 * work; the others wait as standbys. Each backend contends through its own means (queue-sql: a PostgreSQL session
 * advisory lock; queue-s3: a lease object written with conditional writes; here: a lock within one process).
 * The methods are called from one loop, one at a time.
 */
export interface LeaderElection {
  /** What is contended, for logs (never a secret), e.g. `advisory lock 123 on task_queue_items/default`. */
  readonly description: string;
  /**
   * Tries to become leader; true when this process leads now. Another holder is an answer (false), not an error;
   * an unreachable backend throws.
   */
  acquire(): Promise<boolean>;
  /** Keeps leadership for another term; false when it was lost (acquire may win it again later). */
  renew(): Promise<boolean>;
  /** Gives leadership up so a standby can take over at once, and frees what the election holds; idempotent. */
  release(): Promise<void>;
  /**
   * Whether this process leads, as far as it knows without asking the backend: false as soon as leadership can no
   * longer be guaranteed (connection closed, lease past its term).
   */
  isLeader(): boolean;
}

const holders = new WeakMap<object, InMemoryLeaderElection>();

/**
 * Leadership among the controllers of one process, for queues that live in one process (InMemoryQueue, PGlite):
 * contenders that name the same scope object (the queue) share one lock; trivially one leader.
 */
export class InMemoryLeaderElection implements LeaderElection {
  readonly description = "in-process lock";

  constructor(private readonly scope: object) {}

  async acquire(): Promise<boolean> {
    const holder = holders.get(this.scope);
    if (holder === undefined) holders.set(this.scope, this);
    return holders.get(this.scope) === this;
  }

  async renew(): Promise<boolean> {
    return this.isLeader();
  }

  async release(): Promise<void> {
    if (this.isLeader()) holders.delete(this.scope);
  }

  isLeader(): boolean {
    return holders.get(this.scope) === this;
  }
}
