import type { Settings } from "../config/schema.js";

/** The SQL connection string: given whole, or assembled from the SQL_QUEUE_POSTGRES_* parts. */
export function sqlConnectionString(settings: Settings): string {
  if (settings.sql_queue_connection_string !== undefined) return settings.sql_queue_connection_string;
  const user = encodeURIComponent(settings.sql_queue_postgres_user ?? "");
  const password = settings.sql_queue_postgres_password;
  const credentials =
    password === undefined || password === "" ? user : `${user}:${encodeURIComponent(password)}`;
  const host = settings.sql_queue_postgres_hostname ?? "";
  const database = encodeURIComponent(settings.sql_queue_postgres_database ?? "");
  return `postgres://${credentials}@${host}:${settings.sql_queue_postgres_port}/${database}`;
}
