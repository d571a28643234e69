import type { InMemoryQueueOptions } from "../in-memory-queue.js";
import { InMemoryQueue } from "../in-memory-queue.js";
import type { GetOptions, Job } from "../lifecycle.js";

/**
 * An InMemoryQueue that tells when a waiting getJobs (waitSeconds > 0) starts and what it answered, so a test of a
 * held request (HTTP wait_seconds, a client that disconnects) knows the wait is in progress without any timing.
 * Only the first waiting call is observed.
 */
export class WaitObservedQueue extends InMemoryQueue {
  /** Resolves when the first waiting getJobs has made its first try and is waiting. */
  readonly heldSince: Promise<void>;
  /** What that getJobs answered ([] if it failed). */
  readonly answered: Promise<Job[]>;
  private entered: () => void = () => {};
  private answer: (jobs: Job[]) => void = () => {};

  constructor(options: InMemoryQueueOptions = {}) {
    super(options);
    this.heldSince = new Promise((resolve) => {
      this.entered = resolve;
    });
    this.answered = new Promise((resolve) => {
      this.answer = resolve;
    });
  }

  override async getJobs(n: number, options?: GetOptions): Promise<Job[]> {
    const taking = super.getJobs(n, options);
    if (options?.waitSeconds) {
      this.entered();
      void taking.then(this.answer, () => this.answer([]));
    }
    return taking;
  }
}
