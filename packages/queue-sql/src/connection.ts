import { InvalidArgument } from "@task-queue/queue-core";
import { clientOf, isPglite } from "./clients.js";
import { type DrizzleDatabase, drizzleOf } from "./database.js";
import type { SqlDatabase } from "./sql-database.js";

export type SqlDriver = "postgres" | "pglite";

/**
 * Where the queue table lives:
 * - a connection string: `postgres://…` / `postgresql://…` (postgres.js), `pglite://memory` or `pglite://<dir>`;
 * - a database made elsewhere, which the queue uses but never closes: `postgresDatabase(sql)` from
 *   `@task-queue/queue-sql/postgres`, `pgliteDatabase(pglite)` from `@task-queue/queue-sql/pglite`, or a drizzle
 *   database of your own.
 */
export type SqlConnection = string | SqlDatabase;

export interface ConnectionOptions {
  /** Default: PGlite in memory, or in `pglite.dataDir` when given. */
  connection?: SqlConnection;
  /** PGlite settings when no connection is given: dataDir persists the database in that folder. */
  pglite?: { dataDir?: string };
  /** Most connections postgres.js opens (default 10); ignored for PGlite and for provided databases. */
  poolSize?: number;
}

/**
 * An open database, what to call it in descriptions, and how to close it (only when we opened it).
 * @internal
 */
export interface OpenedDatabase {
  db: DrizzleDatabase;
  driver: SqlDriver;
  /** A description of the connection with any password replaced by ***. */
  label: string;
  close: () => Promise<void>;
}

export const PGLITE_SCHEME = "pglite://";

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

/**
 * Loads a driver's entry point when a connection string asks for it: the drivers are optional peer dependencies,
 * so a PostgreSQL-only install has no PGlite (and the reverse), and only the one used is loaded.
 */
async function loadDriver<M>(name: SqlDriver, load: () => Promise<M>): Promise<M> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== "ERR_MODULE_NOT_FOUND") throw error;
    const pkg = name === "postgres" ? "postgres" : "@electric-sql/pglite";
    throw new Error(`a ${name} connection needs the ${pkg} package: npm install ${pkg}`, { cause: error });
  }
}

async function openConnectionString(
  connection: string,
  poolSize: number | undefined,
): Promise<OpenedDatabase> {
  if (connection.startsWith(PGLITE_SCHEME)) {
    const location = connection.slice(PGLITE_SCHEME.length);
    const { openPglite } = await loadDriver("pglite", () => import("./pglite.js"));
    return openPglite(location === "" || location === "memory" ? undefined : location);
  }
  if (!/^postgres(ql)?:\/\//.test(connection)) {
    throw new InvalidArgument(
      "connection",
      "must start with postgres://, postgresql:// or pglite:// (the value is not shown: it may hold a secret)",
    );
  }
  const { openPostgres } = await loadDriver("postgres", () => import("./postgres.js"));
  return openPostgres(connection, poolSize ?? 10);
}

/**
 * Opens (or adopts) the database a queue or namespace runs on.
 * @internal
 */
export async function openDatabase(options: ConnectionOptions): Promise<OpenedDatabase> {
  const { connection, poolSize } = options;
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 1)) {
    throw new InvalidArgument("poolSize", `must be a positive integer, got ${poolSize}`);
  }
  if (connection === undefined) {
    const { openPglite } = await loadDriver("pglite", () => import("./pglite.js"));
    return openPglite(options.pglite?.dataDir);
  }
  if (typeof connection === "string") return openConnectionString(connection, poolSize);
  const db = drizzleOf(connection, "connection");
  const driver = isPglite(clientOf(db)) ? "pglite" : "postgres";
  return {
    db,
    driver,
    label: `(provided ${driver} database)`,
    close: async () => {},
  };
}
