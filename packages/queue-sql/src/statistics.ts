import type { DrizzleDatabase } from "./database.js";
import { PerClient } from "./per-client.js";
import { analyzeTable } from "./sql/analyze.js";
import type { QueueTable } from "./table.js";

/** Rows a process puts before it first refreshes the statistics of a table. */
export const ANALYZE_AFTER_ROWS = 10_000;

/**
 * Keeps the planner's statistics of a queue table fresh from the writer's side, without waiting for autovacuum:
 * after this process has added ANALYZE_AFTER_ROWS rows, and from then on each time it has added as many rows as the
 * table held at its last ANALYZE (the table doubled), the put that crosses the line runs ANALYZE. A bulk load is
 * analyzed a logarithmic number of times; a steady trickle costs nothing. One keeper per client and table.
 */
export class StatisticsKeeper {
  private added = 0;
  private rowsAtAnalyze = 0;
  private running: Promise<void> | null = null;

  async rowsAdded(db: DrizzleDatabase, table: QueueTable, count: number): Promise<void> {
    this.added += count;
    if (this.running !== null || this.added < Math.max(ANALYZE_AFTER_ROWS, this.rowsAtAnalyze)) return;
    this.added = 0;
    this.running = analyzeTable(db, table).then(
      (rows) => {
        this.rowsAtAnalyze = rows;
      },
      () => {},
    );
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }
}

const keepers = new PerClient<StatisticsKeeper>();

/** The keeper of one table on one database client (or database, when it has no client of its own). */
export function statisticsKeeper(key: object, table: QueueTable): StatisticsKeeper {
  return keepers.get(key, table.name, () => new StatisticsKeeper());
}
