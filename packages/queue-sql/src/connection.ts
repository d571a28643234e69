import { PGlite } from "@electric-sql/pglite";
import { InvalidArgument } from "@task-queue/queue-core";
import { is } from "drizzle-orm";
import { PgDatabase } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import type { SqlDatabase } from "./database.js";
import { isPostgresJs } from "./executor.js";

export type SqlDriver = "postgres" | "pglite";

/**
 * Where the queue table lives:
 * - a connection string: `postgres://…` / `postgresql://…` (postgres.js), `pglite://memory` or `pglite://<dir>`;
 * - an existing postgres.js `Sql`, PGlite instance or drizzle database, which the queue uses but never closes.
 */
export type SqlConnection = string | Sql | PGlite | SqlDatabase;

export interface ConnectionOptions {
  /** Default: PGlite in memory, or in `pglite.dataDir` when given. */
  connection?: SqlConnection;
  /** PGlite settings when no connection is given: dataDir persists the database in that folder. */
  pglite?: { dataDir?: string };
  /** Most connections postgres.js opens (default 10); ignored for PGlite and for provided instances. */
  poolSize?: number;
}

/** An open database, what to call it in descriptions, and how to close it (only when we opened it). */
export interface OpenedDatabase {
  db: SqlDatabase;
  driver: SqlDriver;
  /** A description of the connection with any password replaced by ***. */
  label: string;
  close: () => Promise<void>;
}

const PGLITE_SCHEME = "pglite://";

const nothingToClose = async (): Promise<void> => {};

/** A connection string fit for logs: password and password-like query parameters replaced by ***. */
export function redactConnectionString(connection: string): string {
  if (connection.startsWith(PGLITE_SCHEME)) return connection;
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    return "(unparseable connection string)";
  }
  if (url.password !== "") url.password = "***";
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, "***");
  }
  return url.toString().replaceAll("%2A%2A%2A", "***");
}

function openPglite(dataDir: string | undefined): OpenedDatabase {
  const client = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  return {
    db: drizzlePglite(client) as unknown as SqlDatabase,
    driver: "pglite",
    label: dataDir === undefined ? `${PGLITE_SCHEME}memory` : `${PGLITE_SCHEME}${dataDir}`,
    close: () => client.close(),
  };
}

function openConnectionString(connection: string, poolSize: number | undefined): OpenedDatabase {
  if (connection.startsWith(PGLITE_SCHEME)) {
    const location = connection.slice(PGLITE_SCHEME.length);
    return openPglite(location === "" || location === "memory" ? undefined : location);
  }
  if (!/^postgres(ql)?:\/\//.test(connection)) {
    throw new InvalidArgument(
      "connection",
      "must start with postgres://, postgresql:// or pglite:// (the value is not shown: it may hold a secret)",
    );
  }
  // Notices (e.g. "relation already exists, skipping") are not worth a console line each.
  const client = postgres(connection, { max: poolSize ?? 10, onnotice: () => {} });
  return {
    db: drizzlePostgres(client) as unknown as SqlDatabase,
    driver: "postgres",
    label: redactConnectionString(connection),
    close: () => client.end({ timeout: 5 }),
  };
}

/** Opens (or adopts) the database a queue or namespace runs on. */
export function openDatabase(options: ConnectionOptions): OpenedDatabase {
  const { connection, poolSize } = options;
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 1)) {
    throw new InvalidArgument("poolSize", `must be a positive integer, got ${poolSize}`);
  }
  if (connection === undefined) return openPglite(options.pglite?.dataDir);
  if (typeof connection === "string") return openConnectionString(connection, poolSize);
  if (connection instanceof PGlite) {
    return {
      db: drizzlePglite(connection) as unknown as SqlDatabase,
      driver: "pglite",
      label: "(provided PGlite instance)",
      close: nothingToClose,
    };
  }
  if (isPostgresJs(connection)) {
    return {
      db: drizzlePostgres(connection) as unknown as SqlDatabase,
      driver: "postgres",
      label: "(provided postgres.js client)",
      close: nothingToClose,
    };
  }
  if (is(connection, PgDatabase)) {
    const client = (connection as { $client?: unknown }).$client;
    return {
      db: connection,
      driver: client instanceof PGlite ? "pglite" : "postgres",
      label: "(provided drizzle database)",
      close: nothingToClose,
    };
  }
  throw new InvalidArgument(
    "connection",
    "must be a connection string, a postgres.js Sql, a PGlite instance or a drizzle database",
  );
}
