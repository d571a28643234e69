import type { Sql } from "postgres";
import type { Execute } from "./executor.js";
import { PerClient } from "./per-client.js";
import { rowEstimate } from "./sql/analyze.js";
import { type QueueTable, quoteIdentifier } from "./table.js";

/** A statement the driver is running: awaitable, and cancellable. */
type PendingVacuum = ReturnType<ReturnType<Sql["unsafe"]>["simple"]>;

/** Items a process claims before it first vacuums the queue table. */
export const VACUUM_AFTER_CLAIMS = 100_000;

/**
 * Clears the dead entries that claims leave at the front of the ready index. A claim moves its row out of WAITING; the
 * row's old entry stays in the index, and nothing is ever inserted at the index's front, so no later write removes
 * it: until VACUUM does, every get walks past all of them (991 index pages per get after 200,000 claims against 5 on
 * a fresh table; `pnpm bench:dead-prefix`). Autovacuum comes at most once a minute and may skip index cleanup; a
 * drain of 600,000 items ran at 14,584 items/s without this and 22,524 with a VACUUM every 100,000 claims (six of
 * them, 3.6 s in all; 2026-12-02).
 *
 * After this process has claimed VACUUM_AFTER_CLAIMS items, and from then on a fifth of the table's rows (the larger),
 * the claim that crosses the line starts `VACUUM (INDEX_CLEANUP ON, SKIP_LOCKED)` in the background: the get does not
 * wait for it; one runs at a time; a table another VACUUM or ANALYZE holds is skipped, and a role that may not
 * vacuum the table gets a warning from the server, which is ignored, as is any error (the next crossing tries again).
 * PostgreSQL servers only: PGlite runs one statement at a time, so its gets would wait.
 */
export class VacuumKeeper {
  private claimed = 0;
  private threshold = VACUUM_AFTER_CLAIMS;
  private running: Promise<void> | null = null;
  private statement: PendingVacuum | null = null;

  constructor(
    private readonly client: Sql,
    private readonly run: Execute,
    private readonly table: QueueTable,
  ) {}

  itemsClaimed(count: number): void {
    this.claimed += count;
    if (this.running !== null || this.claimed < this.threshold) return;
    this.claimed = 0;
    this.running = this.vacuum().finally(() => {
      this.running = null;
    });
  }

  /** Cancels the VACUUM in flight, if any, and waits for it to end: close() does not end the pool under it. */
  async stop(): Promise<void> {
    await this.statement?.cancel();
    await this.running;
  }

  private async vacuum(): Promise<void> {
    try {
      // The simple query protocol: VACUUM must be a statement of its own, outside any transaction block.
      const table = quoteIdentifier(this.table.name);
      this.statement = this.client.unsafe(`VACUUM (INDEX_CLEANUP ON, SKIP_LOCKED) ${table}`).simple();
      await this.statement;
      this.statement = null;
      const rows = await rowEstimate(this.run, this.table);
      this.threshold = Math.max(VACUUM_AFTER_CLAIMS, Math.round(rows / 5));
    } catch {
      this.statement = null;
      // Upkeep only: a lost connection or a refused VACUUM changes nothing a caller sees.
    }
  }
}

const keepers = new PerClient<VacuumKeeper>();

/** The keeper of one table on one postgres.js client; `run` executes statements on that client. */
export function vacuumKeeper(client: Sql, run: Execute, table: QueueTable): VacuumKeeper {
  return keepers.get(client, table.name, () => new VacuumKeeper(client, run, table));
}
