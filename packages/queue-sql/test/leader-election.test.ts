import { InvalidArgument, QueueUnavailable } from "@task-queue/queue-core";
import postgres, { type Sql } from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { advisoryLockKey, PostgresLeaderElection } from "../src/postgres.js";
import { randomTableName, testDatabaseUrl } from "../src/testing/index.js";

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("PostgresLeaderElection (session advisory lock) on a real server", () => {
  let url: string;
  let admin: Sql;
  const tableName = randomTableName("tq_elect");
  const made: PostgresLeaderElection[] = [];
  const election = (queueName = "jobs"): PostgresLeaderElection => {
    const e = new PostgresLeaderElection({ connection: url, tableName, queueName, timeoutMs: 3_000 });
    made.push(e);
    return e;
  };
  /** The backends holding the queue's lock, as the server sees them. */
  const holders = async (queueName = "jobs"): Promise<Array<{ pid: number; application_name: string }>> => {
    const key = BigInt.asUintN(64, advisoryLockKey(tableName, queueName));
    return admin<Array<{ pid: number; application_name: string }>>`
      SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.classid = ${Number(key >> 32n)}::oid AND l.objid = ${Number(key & 0xffffffffn)}::oid`;
  };

  beforeAll(async () => {
    url = await testDatabaseUrl();
    admin = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterEach(async () => {
    await Promise.all(made.splice(0).map((e) => e.release()));
  });
  afterAll(async () => {
    await admin?.end({ timeout: 5 });
  });

  it("one of two contenders wins; another queue is a separate lock; release hands over at once", async () => {
    const a = election();
    const b = election();
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(await a.acquire()).toBe(true); // taking a held lock again changes nothing
    expect(await a.renew()).toBe(true);
    expect(await b.renew()).toBe(false);
    const held = await holders();
    expect(held).toHaveLength(1);
    expect(held[0]!.application_name).toBe("task-queue leader election");

    const other = election("other");
    expect(await other.acquire()).toBe(true);

    await a.release();
    expect(a.isLeader()).toBe(false);
    expect(await holders()).toEqual([]);
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
  });

  it("a leader whose connection is terminated loses at once; the standby takes over", async () => {
    const a = election();
    const b = election();
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    const [held] = await holders();
    await admin`SELECT pg_terminate_backend(${held!.pid})`;
    await until(() => !a.isLeader()); // the closed connection says so before any statement
    expect(await a.renew()).toBe(false);
    expect(await b.acquire()).toBe(true);
    // The old leader reconnects, finds the lock taken, and stays a standby.
    expect(await a.acquire()).toBe(false);
    expect((await holders()).map((h) => h.pid)).not.toContain(held!.pid);
  });

  it("renew right after the connection dropped never says true, even when nobody else took the lock", async () => {
    const a = election();
    expect(await a.acquire()).toBe(true);
    const [held] = await holders();
    await admin`SELECT pg_terminate_backend(${held!.pid})`;
    await until(async () => (await holders()).length === 0);
    // Whether the client has seen the reset yet (false) or meets it now (QueueUnavailable), it is no leader.
    const renewed = await a.renew().catch((error: unknown) => error);
    expect(renewed === false || renewed instanceof QueueUnavailable).toBe(true);
    expect(a.isLeader()).toBe(false);
    expect(await a.acquire()).toBe(true); // a new session takes the free lock
    expect((await holders()).map((h) => h.pid)).not.toContain(held!.pid);
  });

  it("an unreachable server throws QueueUnavailable without the password; a non-PostgreSQL URL is refused", async () => {
    const e = new PostgresLeaderElection({
      connection: "postgres://someone:s3cret-pw@127.0.0.1:9/db",
      timeoutMs: 2_000,
    });
    made.push(e);
    await expect(e.acquire()).rejects.toSatisfy(
      (error) => error instanceof QueueUnavailable && !String(error.message).includes("s3cret-pw"),
    );
    expect(e.isLeader()).toBe(false);
    expect(e.description).not.toContain("s3cret-pw");
    expect(() => new PostgresLeaderElection({ connection: "pglite://memory" })).toThrow(InvalidArgument);
    expect(() => new PostgresLeaderElection({ connection: url, tableName: "Bad-Name" })).toThrow(
      InvalidArgument,
    );
  });
});
