import { openSqlQueue } from "@task-queue/queue-sql";
import { is, sql } from "drizzle-orm";
import { PgDatabase, pgTable, text } from "drizzle-orm/pg-core";

const audit = pgTable("audit", { note: text("note").notNull() });
const queue = await openSqlQueue({ queueName: "jobs" }); // PGlite in memory
await queue.put({ "job-1": { file: "a.csv" } });
await queue.get(1);
await queue.transaction(async (txQueue, tx) => {
  // tx is typed SqlDatabase (this package's types do not load drizzle's); drizzle's own guard gives its type back.
  if (!is(tx, PgDatabase)) throw new Error("not a drizzle PostgreSQL database");
  await tx.execute(sql`CREATE TABLE IF NOT EXISTS audit (note text NOT NULL)`);
  await txQueue.success("job-1"); // runs on tx
  await tx.insert(audit).values({ note: "job-1 done" }); // commits with it, or neither does
});
console.log((await queue.lookupRecord("job-1")).stage); // SUCCESS
if (is(queue.database, PgDatabase)) console.log(await queue.database.select().from(audit)); // [{ note: "job-1 done" }]
await queue.close();
