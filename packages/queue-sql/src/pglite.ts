/**
 * `@task-queue/queue-sql/pglite`: the embedded driver (PGlite, an optional peer dependency: install
 * `@electric-sql/pglite` to use it) — a database on your own PGlite instance.
 * @packageDocumentation
 */
import { PGlite } from "@electric-sql/pglite";
import { InvalidArgument } from "@task-queue/queue-core";
import { drizzle } from "drizzle-orm/pglite";
import { type OpenedDatabase, PGLITE_SCHEME } from "./connection.js";
import type { SqlDatabase } from "./sql-database.js";

/** A PGlite instance, by what this package's types need of it (PGlite's own types do not pass skipLibCheck: false). */
export interface PgliteInstance {
  readonly waitReady: Promise<void>;
  close(): Promise<void>;
}

/** A database on your own PGlite instance, as `connection` of openSqlQueue / SqlQueueNamespace.open; never closed by the queue. */
export function pgliteDatabase(client: PgliteInstance): SqlDatabase {
  if (!(client instanceof PGlite)) throw new InvalidArgument("client", "must be a PGlite instance");
  return drizzle(client);
}

/**
 * Opens PGlite in memory or in a data folder (openDatabase loads this module only then).
 * @internal
 */
export function openPglite(dataDir: string | undefined): OpenedDatabase {
  const client = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  return {
    db: drizzle(client),
    driver: "pglite",
    label: dataDir === undefined ? `${PGLITE_SCHEME}memory` : `${PGLITE_SCHEME}${dataDir}`,
    close: () => client.close(),
  };
}
