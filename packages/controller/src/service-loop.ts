import { InvalidArgument, type Logger, silentLogger } from "@task-queue/queue-core";

export interface ServiceLoopOptions {
  /** Time from the start of one tick to the start of the next, in ms. A longer tick is followed at once. */
  periodMs: number;
  /** Runs one tick; `release` is false while the loop is paused. */
  tick: (options: { release: boolean }) => Promise<unknown>;
  logger?: Logger;
}

/**
 * Runs a tick every period. Ticks never overlap (the next waits for the previous); an error in one tick is
 * logged and the next tick runs. stop() ends the loop after the current tick; pause() keeps ticking but
 * without releasing new work. Signals are the app's business: it calls these methods.
 */
export class ServiceLoop {
  private readonly periodMs: number;
  private readonly tickFn: ServiceLoopOptions["tick"];
  private readonly logger: Logger;
  private stopping = false;
  private pausedFlag = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  /** Ticks finished so far, including failed ones. */
  ticks = 0;
  errors = 0;

  constructor(options: ServiceLoopOptions) {
    if (!(options.periodMs >= 0))
      throw new InvalidArgument("periodMs", `must be ≥ 0, got ${options.periodMs}`);
    this.periodMs = options.periodMs;
    this.tickFn = options.tick;
    this.logger = options.logger ?? silentLogger;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Runs ticks until stop(); resolves once the last tick has finished. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Runs exactly one tick (the `--once` mode); rejects if it fails. */
  async runOnce(): Promise<void> {
    await this.tickFn({ release: !this.pausedFlag });
    this.ticks++;
  }

  pause(): void {
    if (!this.pausedFlag) this.logger.info({}, "paused: no new work is released until resumed");
    this.pausedFlag = true;
  }

  resume(): void {
    if (this.pausedFlag) this.logger.info({}, "resumed releasing work");
    this.pausedFlag = false;
  }

  /** Asks the loop to end after the current tick; resolves when it has (at once if it never ran). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const started = Date.now();
      try {
        await this.tickFn({ release: !this.pausedFlag });
      } catch (error) {
        this.errors++;
        this.logger.error({ err: error }, "tick failed; the next tick will run");
      }
      this.ticks++;
      if (this.stopping) break;
      await this.sleep(Math.max(0, this.periodMs - (Date.now() - started)));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
    });
  }
}
