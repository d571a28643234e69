import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time spent so far, in µs: this process's (the client: the library, the driver, the bench's own bookkeeping) and
 * the local PostgreSQL server's (every process named postgres: backends, autovacuum, checkpointer, and the ended ones
 * its postmaster reaped), read from /proc. On two shared cores the drain is CPU-bound, so CPU per item explains a
 * throughput ratio where wall-clock rates scatter from run to run. `server` is null where no server process is
 * visible (a remote server, or not Linux).
 */
interface CpuSample {
  client: number;
  server: number | null;
}

/** /proc reports process times in USER_HZ ticks, 100 per second on Linux whatever the kernel's HZ. */
const MICROSECONDS_PER_TICK = 10_000;

function serverMicroseconds(): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  let total = 0;
  let found = false;
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // ended between the listing and the read
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    if (name !== "postgres") continue;
    total += statMicroseconds(stat);
    found = true;
  }
  return found ? total : null;
}

/**
 * The CPU time in one /proc/<pid>/stat line, in µs: utime, stime, cutime and cstime (fields 14 to 17 of the line,
 * 12th to 15th after the command name, which is in parentheses and may hold spaces). A backend's time moves into the
 * postmaster's cutime and cstime when it ends, so a sum over the server's processes never goes back.
 */
function statMicroseconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0);
  return ticks * MICROSECONDS_PER_TICK;
}

/** The CPU time one local process (e.g. a backend, by pg_backend_pid()) has used so far, in µs. */
export function processMicroseconds(pid: number): number {
  return statMicroseconds(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

function cpuSample(): CpuSample {
  const usage = process.cpuUsage();
  return { client: usage.user + usage.system, server: serverMicroseconds() };
}

/** CPU accumulated per key (e.g. a side's drain) over the rounds, for µs per item. */
export class CpuTally {
  private readonly totals = new Map<string, { client: number; server: number | null; items: number }>();

  async measure<T>(key: string, items: number, run: () => Promise<T>): Promise<T> {
    const before = cpuSample();
    const value = await run();
    const after = cpuSample();
    const entry = this.totals.get(key) ?? { client: 0, server: 0, items: 0 };
    entry.client += after.client - before.client;
    entry.server =
      entry.server === null || before.server === null || after.server === null
        ? null
        : entry.server + after.server - before.server;
    entry.items += items;
    this.totals.set(key, entry);
    return value;
  }

  /** µs per item for the key; server null when it could not be read. */
  perItem(key: string): { client: number; server: number | null } | undefined {
    const entry = this.totals.get(key);
    if (entry === undefined || entry.items === 0) return undefined;
    return {
      client: entry.client / entry.items,
      server: entry.server === null ? null : entry.server / entry.items,
    };
  }
}
