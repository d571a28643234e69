import type { JsonValue } from "@task-queue/queue-core";

/** The minimal operations a workload needs; SqlQueue and every baseline provide them. */
export interface Workload {
  /** Every side starts from the same JS objects, as a caller has them: each must serialise them too. */
  put(batch: Record<string, JsonValue>): Promise<number>;
  get(n: number): Promise<string[]>;
  success(ids: string[]): Promise<number>;
}
