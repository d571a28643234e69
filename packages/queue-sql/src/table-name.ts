/** The table name drizzle-kit generates the migrations for; other names are substituted into that DDL. */
export const DEFAULT_TABLE_NAME = "task_queue_items";
