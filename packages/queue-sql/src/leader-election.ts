import { createHash } from "node:crypto";
import {
  assertQueueName,
  InvalidArgument,
  type LeaderElection,
  QueueUnavailable,
} from "@task-queue/queue-core";
import postgres, { type Sql } from "postgres";
import { redactConnectionString } from "./connection.js";
import { translateErrors } from "./database-errors.js";
import { assertTableName } from "./table.js";
import { DEFAULT_TABLE_NAME } from "./table-name.js";

export interface PostgresLeaderElectionOptions {
  /** A `postgres://` or `postgresql://` connection string (PGlite serves one process: it needs no election). */
  connection: string;
  /** The queue table (default task_queue_items); with the queue name it makes the lock key. */
  tableName?: string;
  /** The queue (default "default"). */
  queueName?: string;
  /**
   * How long one election statement may take before the connection counts as lost (default 5000 ms). Also sets
   * the server's TCP keepalives on the election session, so that the server notices a vanished leader (and frees
   * the lock) within about three times this long rather than after the kernel's default of two hours.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * The advisory lock key of a queue: the first 8 bytes of SHA-256 over `task-queue/<table>/<queue>`, as a signed
 * bigint. PostgreSQL shows it in pg_locks as classid (high 32 bits) and objid (low 32 bits) with objsubid = 1.
 */
export function advisoryLockKey(tableName: string, queueName: string): bigint {
  return createHash("sha256").update(`task-queue/${tableName}/${queueName}`).digest().readBigInt64BE(0);
}

/**
 * Leadership through a PostgreSQL session advisory lock held on a dedicated connection (one per election, never
 * the queue's pool). The lock belongs to the session: it is held for as long as the connection lives and freed by
 * the server the moment the connection ends — a killed process, a terminated backend, a network failure that the
 * keepalives detect. No lease to renew: renew() asks the server whether this session still holds the lock (a
 * reconnected session does not).
 */
export class PostgresLeaderElection implements LeaderElection {
  readonly description: string;
  readonly key: bigint;
  private readonly connection: string;
  private readonly timeoutMs: number;
  /** pg_locks columns of the key: the high and low 32 bits, unsigned. */
  private readonly classid: number;
  private readonly objid: number;
  private client: Sql | null = null;
  private leading = false;

  constructor(options: PostgresLeaderElectionOptions) {
    if (!/^postgres(ql)?:\/\//.test(options.connection)) {
      throw new InvalidArgument(
        "connection",
        "must start with postgres:// or postgresql:// for an advisory-lock election (the value is not shown: it may hold a secret)",
      );
    }
    const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
    const queueName = options.queueName ?? "default";
    assertTableName(tableName);
    assertQueueName(queueName);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new InvalidArgument("timeoutMs", `must be > 0, got ${this.timeoutMs}`);
    this.connection = options.connection;
    this.key = advisoryLockKey(tableName, queueName);
    const unsigned = BigInt.asUintN(64, this.key);
    this.classid = Number(unsigned >> 32n);
    this.objid = Number(unsigned & 0xffffffffn);
    this.description = `PostgreSQL advisory lock ${this.key} (${tableName}/${queueName}) on ${redactConnectionString(options.connection)}`;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Takes the lock if it is free; true also when this session holds it already (the lock is never taken twice). */
  async acquire(): Promise<boolean> {
    const [row] = await this.query(
      (sql) => sql<Array<{ leading: boolean }>>`
        SELECT CASE WHEN ${this.heldCondition(sql)} THEN true
                    ELSE pg_try_advisory_lock(${this.key.toString()}::bigint) END AS leading`,
    );
    this.leading = row?.leading === true;
    return this.leading;
  }

  /** Whether this very session still holds the lock; false (and not leader) when the connection was replaced. */
  async renew(): Promise<boolean> {
    if (!this.leading) return false;
    const [row] = await this.query(
      (sql) => sql<Array<{ held: boolean }>>`SELECT ${this.heldCondition(sql)} AS held`,
    );
    this.leading = row?.held === true;
    return this.leading;
  }

  /** Ends the dedicated connection: the server frees the lock with the session. */
  async release(): Promise<void> {
    this.leading = false;
    const client = this.client;
    this.client = null;
    await client?.end({ timeout: 5 });
  }

  private heldCondition(sql: Sql) {
    return sql`EXISTS (SELECT 1 FROM pg_locks
                        WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                          AND classid = ${this.classid}::oid AND objid = ${this.objid}::oid AND objsubid = 1)`;
  }

  private connect(): Sql {
    if (this.client !== null) return this.client;
    const keepAlive = String(Math.max(1, Math.ceil(this.timeoutMs / 1000)));
    this.client = postgres(this.connection, {
      max: 1,
      // The lock lives as long as the session: never recycle or idle-close the connection.
      max_lifetime: null,
      idle_timeout: 0,
      connect_timeout: Math.max(1, Math.ceil(this.timeoutMs / 1000)),
      onnotice: () => {},
      // A closed connection took the lock with it, whatever the next statement would say.
      onclose: () => {
        this.leading = false;
      },
      connection: {
        application_name: "task-queue leader election",
        tcp_keepalives_idle: keepAlive,
        tcp_keepalives_interval: keepAlive,
        tcp_keepalives_count: "2",
      },
    });
    return this.client;
  }

  /**
   * Runs one statement on the dedicated connection within timeoutMs. A failure or a late answer ends the
   * connection (so that no half-known session keeps the lock on our side) and leadership with it.
   */
  private async query<T>(run: (sql: Sql) => Promise<T>): Promise<T> {
    const sql = this.connect();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new QueueUnavailable(
              `the election's database connection did not answer within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await translateErrors(() => Promise.race([run(sql), late]));
    } catch (error) {
      this.leading = false;
      if (this.client === sql) this.client = null;
      void sql.end({ timeout: 0 }).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
