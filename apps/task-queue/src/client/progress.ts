/** Where progress goes: stderr, or anything with its write and isTTY (tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

export interface ProgressOptions {
  /** Names the work, e.g. "put". */
  label: string;
  /** What is counted, e.g. "items". */
  unit: string;
  total: number;
  stream: ProgressStream;
  /** Milliseconds since some fixed point; performance.now unless a test gives its own clock. */
  now?: () => number;
}

/** Seconds as a person reads a wait: "8 s", "4 min 10 s", "2 h 5 min". */
export function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * Progress of a long piece of work in steps: on a terminal one line, rewritten in place, with the rate and the time
 * left; piped (a log, a file) one plain line per step, so nothing but text ends up there.
 */
export class Progress {
  private readonly now: () => number;
  private readonly started: number;
  private readonly tty: boolean;
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    this.tty = options.stream.isTTY === true;
  }

  /** `done` of the total are finished. */
  update(done: number): void {
    const { label, unit, total, stream } = this.options;
    const seconds = (this.now() - this.started) / 1000;
    const percent = total === 0 ? 100 : Math.floor((100 * done) / total);
    let line = `${label} ${done}/${total} ${unit} (${percent}%)`;
    if (seconds > 0 && done > 0) {
      const rate = done / seconds;
      line += `, ${Math.round(rate)} ${unit}/s`;
      if (done < total) line += `, ${formatRemaining((total - done) / rate)} left`;
    }
    if (this.tty) {
      // Carriage return and erase-line: the line is redrawn where it stands.
      stream.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      stream.write(`${line}\n`);
    }
  }

  /** Ends the updating line on a terminal, so what follows starts on a line of its own. */
  finish(): void {
    if (this.drawn) this.options.stream.write("\n");
    this.drawn = false;
  }
}
