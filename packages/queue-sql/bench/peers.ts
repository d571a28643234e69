/**
 * The other queues in the benchmark, each behind the same Workload as SqlQueue: graphile-worker and pg-boss (as their
 * documentation has them used), and an independent plain-SQL queue — its own table and indexes, written as a person
 * would write one without our code.
 */
import { makeWorkerUtils, type Runner, run as runGraphile, type WorkerUtils } from "graphile-worker";
import pg from "pg";
import PgBoss from "pg-boss";
import type postgres from "postgres";
import type { Workload } from "./workload.js";

/** Statements sent through the pg driver (graphile-worker, pg-boss), counted for the idle case. */
export const pgQueries = { count: 0 };
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countingQuery(this: pg.Client, ...args: unknown[]) {
  pgQueries.count++;
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

const silentLogger = {
  scope: () => silentLogger,
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
};

/** A queue table of its own: a serial id, the caller's key (unique, so a repeated put adds nothing), a status. */
export async function plainQueue(
  sql: postgres.Sql,
  table: string,
): Promise<Workload & { drop(): Promise<void> }> {
  const t = sql(table);
  await sql`CREATE TABLE ${t} (
    id bigserial PRIMARY KEY,
    key text NOT NULL UNIQUE,
    payload jsonb NOT NULL,
    status smallint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`;
  await sql`CREATE INDEX ${sql(`${table}_todo`)} ON ${t} (id) WHERE status = 0`;
  return {
    async put(batch) {
      const keys = Object.keys(batch);
      const payloads = Object.values(batch).map((value) => JSON.stringify(value));
      const rows = await sql`
        INSERT INTO ${t} (key, payload)
        SELECT * FROM unnest(${keys}::text[], ${payloads}::jsonb[])
        ON CONFLICT (key) DO NOTHING RETURNING id`;
      return rows.length;
    },
    async get(n) {
      const rows = await sql`
        UPDATE ${t} SET status = 1, updated_at = now()
        WHERE id IN (SELECT id FROM ${t} WHERE status = 0 ORDER BY id LIMIT ${n} FOR UPDATE SKIP LOCKED)
        RETURNING id, key, payload`;
      return rows.map((row) => String(row.id));
    },
    async success(ids) {
      const rows = await sql`
        UPDATE ${t} SET status = 2, updated_at = now() WHERE id = ANY(${ids}::bigint[]) AND status = 1 RETURNING id`;
      return rows.length;
    },
    async drop() {
      await sql`DROP TABLE IF EXISTS ${t}`;
    },
  };
}

/** graphile-worker in its own schema: addJobs to put; a runner (4 workers, jobs fetched 100 at a time) to drain. */
export class GraphileQueue {
  private utils: WorkerUtils | null = null;
  constructor(
    private readonly url: string,
    private readonly schema: string,
  ) {}

  async open(): Promise<void> {
    this.utils = await makeWorkerUtils({
      connectionString: this.url,
      schema: this.schema,
      logger: silentLogger as never,
    });
    await this.utils.migrate();
  }

  async put(batch: Record<string, unknown>): Promise<number> {
    const specs = Object.entries(batch).map(([key, payload]) => ({
      identifier: "bench",
      payload: { key, payload },
    }));
    const jobs = await this.utils!.addJobs(specs);
    return jobs.length;
  }

  /** Runs until `count` jobs ran; returns the keys seen (to check for duplicates and loss) and the rate. */
  async drain(count: number, concurrency = 4): Promise<{ keys: string[]; seconds: number }> {
    const keys: string[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const started = performance.now();
    const runner = await this.runner(concurrency, 100, async (payload) => {
      keys.push((payload as { key: string }).key);
      if (keys.length >= count) done();
    });
    await finished;
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    return { keys, seconds };
  }

  /** A runner; pollInterval null: graphile-worker's default. */
  runner(
    concurrency: number,
    batch: number,
    task: (payload: unknown) => Promise<void>,
    pollInterval: number | null = 1_000,
  ): Promise<Runner> {
    return runGraphile({
      connectionString: this.url,
      schema: this.schema,
      concurrency,
      noHandleSignals: true,
      ...(pollInterval === null ? {} : { pollInterval }),
      logger: silentLogger as never,
      taskList: { bench: task },
      ...(batch > 1 ? { preset: { worker: { localQueue: { size: batch } } } } : {}),
    });
  }

  async addOne(payload: unknown): Promise<void> {
    await this.utils!.addJob("bench", payload as never);
  }

  async close(): Promise<void> {
    await this.utils?.withPgClient((client) =>
      client.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`),
    );
    await this.utils?.release();
  }
}

/** pg-boss in its own schema: insert to put; fetch(100) + complete by 4 consumers to drain. */
export async function pgBossQueue(
  url: string,
  schema: string,
): Promise<Workload & { close(): Promise<void> }> {
  const boss = new PgBoss({ connectionString: url, schema, supervise: false, schedule: false, max: 10 });
  boss.on("error", () => {});
  await boss.start();
  await boss.createQueue("bench");
  return {
    async put(batch) {
      await boss.insert(Object.entries(batch).map(([key, data]) => ({ name: "bench", data: { key, data } })));
      return Object.keys(batch).length;
    },
    async get(n) {
      const jobs = await boss.fetch("bench", { batchSize: n });
      return (jobs ?? []).map((job) => job.id);
    },
    async success(ids) {
      await boss.complete("bench", ids);
      return ids.length;
    },
    async close() {
      await boss.stop({ graceful: false, wait: true });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
