// Run with node in a project that installed only queue-core, queue-sql and postgres (no PGlite): a queue on the
// PostgreSQL server works, and the PGlite default says which package it needs.
import { openSqlQueue } from "@task-queue/queue-sql";
import { postgresDatabase } from "@task-queue/queue-sql/postgres";
import postgres from "postgres";

const [url, tableName] = process.argv.slice(2);
const queue = await openSqlQueue({ connection: url, tableName });
await queue.put({ a: { n: 1 } });
const taken = await queue.get(1);
await queue.close();
const client = postgres(url, { max: 1, onnotice: () => {} });
const adopted = await openSqlQueue({ connection: postgresDatabase(client), tableName, migrate: false });
const processing = await adopted.size(1);
await adopted.close();
await client.end();
let withoutPglite = "";
try {
  await openSqlQueue({});
} catch (error) {
  withoutPglite = error.message;
}
console.log(JSON.stringify({ taken, processing, withoutPglite }));
