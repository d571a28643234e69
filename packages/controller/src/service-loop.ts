import { InvalidArgument, type LeaderElection, type Logger, silentLogger } from "@task-queue/queue-core";

export interface TickOptions {
  /** False while the loop is paused. */
  release: boolean;
  /** Whether this process still leads (always true without an election); checked again before releasing. */
  stillLeading: () => boolean;
}

export interface ServiceLoopOptions {
  /** Time from the start of one tick to the start of the next, in ms. A longer tick is followed at once. */
  periodMs: number;
  /** Runs one tick. */
  tick: (options: TickOptions) => Promise<unknown>;
  /**
   * With an election, a tick runs only while this process leads: each period the loop renews leadership (or, as
   * a standby, tries to acquire it) first, and releases it when the loop ends.
   */
  election?: LeaderElection;
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
  private readonly election: LeaderElection | undefined;
  /** What this loop last knew: leading, standing by, or not asked yet. */
  private role: "leader" | "standby" | null = null;
  private stopping = false;
  private pausedFlag = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  /** Ticks finished so far, including failed ones (a standby runs none). */
  ticks = 0;
  errors = 0;

  constructor(options: ServiceLoopOptions) {
    if (!(options.periodMs >= 0))
      throw new InvalidArgument("periodMs", `must be ≥ 0, got ${options.periodMs}`);
    this.periodMs = options.periodMs;
    this.tickFn = options.tick;
    this.election = options.election;
    this.logger = options.logger ?? silentLogger;
  }

  /** Whether this loop leads (true without an election). */
  get leading(): boolean {
    return this.election === undefined || this.election.isLeader();
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

  /** Runs exactly one tick (the `--once` mode) if this process can lead, then lets go; rejects if it fails. */
  async runOnce(): Promise<void> {
    try {
      if (!(await this.lead())) return;
      await this.runTick();
    } finally {
      await this.resign();
    }
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
      let led = false;
      try {
        led = await this.lead();
        if (led) await this.runTick();
      } catch (error) {
        this.errors++;
        if (led) this.ticks++;
        this.logger.error({ err: error }, "tick failed; the next tick will run");
      }
      if (this.stopping) break;
      await this.sleep(Math.max(0, this.periodMs - (Date.now() - started)));
    }
    await this.resign().catch((error: unknown) =>
      this.logger.warn({ err: error }, "could not release leadership; it lapses on its own"),
    );
  }

  private async runTick(): Promise<void> {
    const election = this.election;
    const stillLeading = election === undefined ? () => true : () => election.isLeader();
    await this.tickFn({ release: !this.pausedFlag, stillLeading });
    this.ticks++;
  }

  /** Renews leadership, or tries to take it as a standby; logs each change of role once. */
  private async lead(): Promise<boolean> {
    const election = this.election;
    if (election === undefined) return true;
    let leading: boolean;
    let reason: unknown;
    try {
      leading = this.role === "leader" ? await election.renew() : await election.acquire();
    } catch (error) {
      leading = false;
      reason = error;
    }
    const was = this.role;
    this.role = leading ? "leader" : "standby";
    const at = { election: election.description };
    if (leading && was !== "leader")
      this.logger.info(at, "leading: this controller is the active one for the queue");
    else if (!leading && was === "leader")
      this.logger.warn(
        { ...at, ...(reason === undefined ? {} : { err: reason }) },
        "lost leadership: releasing and reconciling nothing until this controller leads again",
      );
    else if (!leading && was === null)
      this.logger.info(
        { ...at, ...(reason === undefined ? {} : { err: reason }) },
        "standby: another controller leads this queue; waiting to take over",
      );
    else if (reason !== undefined) this.logger.debug({ ...at, err: reason }, "standby: election unreachable");
    return leading;
  }

  private async resign(): Promise<void> {
    if (this.election === undefined) return;
    this.role = null;
    await this.election.release();
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
