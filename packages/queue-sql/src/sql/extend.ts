import { sql } from "drizzle-orm";
import { dateOf, epochMs, fenced, type QueueScope, seconds } from "./scope.js";

/**
 * Renews the lease held by `attempt` to now + leaseSeconds, only if the attempt still holds the item (the fence).
 * Returns the new expiry, or null when the fence refused.
 */
export async function extendLease(
  scope: QueueScope,
  id: string,
  attempt: number,
  leaseSeconds: number,
): Promise<Date | null> {
  const { run, table, queueName } = scope;
  const [row] = await run<{ lease_expires_at: number }>(
    sql`
      UPDATE ${table.table} AS item SET lease_expires_at = now() + ${seconds(sql`${leaseSeconds}`)}, updated_at = now()
      WHERE item.queue_name = ${queueName} AND item.item_id = ${id} AND ${fenced(sql`${attempt}::int`)}
      RETURNING ${epochMs(sql`item.lease_expires_at`)} AS lease_expires_at`,
  );
  return dateOf(row?.lease_expires_at);
}
