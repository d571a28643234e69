import { sql as dsql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";

const client = postgres("postgres://postgres@127.0.0.1:5432/test", { onnotice: () => {} });
const db = drizzle(client);
async function time(label: string, f: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await f();
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) await f();
  console.log(label, ((performance.now() - t0) / 200).toFixed(3), "ms");
}
const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
await time("tagged", () => client`SELECT ${"q"}::text AS a, ${5}::int AS b`);
await time("unsafe", () => client.unsafe("SELECT $1::text AS a, $2::int AS b", ["q", 5]));
await time("unsafe prepare", () =>
  client.unsafe("SELECT $1::text AS a, $2::int AS b", ["q", 5], { prepare: true }),
);
await time("drizzle", () => db.execute(dsql`SELECT ${"q"}::text AS a, ${5}::int AS b`));
await time("tagged arr", () => client`SELECT cardinality(${ids}::text[])`);
await time("unsafe arr", () => client.unsafe("SELECT cardinality($1::text[])", [ids]));
await time("drizzle arr", () => db.execute(dsql`SELECT cardinality(${dsql.param(ids)}::text[])`));
await client.end();
