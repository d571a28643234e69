// Typechecked (skipLibCheck false) in a project that installed only queue-core, queue-sql and postgres.
import { openSqlQueue } from "@task-queue/queue-sql";
import { PostgresLeaderElection, postgresDatabase } from "@task-queue/queue-sql/postgres";
import postgres from "postgres";

export async function run(url: string, tableName: string): Promise<number> {
  const queue = await openSqlQueue({ connection: url, tableName });
  await queue.put({ a: 1 });
  const size = await queue.size(0);
  await queue.close();
  const client = postgres(url, { max: 1 });
  const adopted = await openSqlQueue({ connection: postgresDatabase(client), tableName });
  await adopted.close();
  await client.end();
  return size;
}

export const used = [PostgresLeaderElection];
