import type { PGlite } from "@electric-sql/pglite";
import type { Sql } from "postgres";
import type { DrizzleDatabase } from "./database.js";

/**
 * The drivers' clients, recognised by their shape: the driver packages are optional peers, so nothing but the
 * driver's own entry point (postgres.ts, pglite.ts) may load them.
 */
export function isPostgresJs(value: unknown): value is Sql {
  return (
    typeof value === "function" &&
    typeof (value as Partial<Sql>).unsafe === "function" &&
    typeof (value as Partial<Sql>).begin === "function"
  );
}

export function isPglite(value: unknown): value is PGlite {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<PGlite>).query === "function" &&
    typeof (value as Partial<PGlite>).listen === "function" &&
    typeof (value as Partial<PGlite>).exec === "function"
  );
}

/** The driver's client a drizzle database was made on (a transaction's `tx` has none). */
export function clientOf(db: DrizzleDatabase): unknown {
  return (db as { $client?: unknown }).$client;
}
