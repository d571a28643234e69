/** The table SqlEventStore uses unless told otherwise. */
export const DEFAULT_EVENTS_TABLE = "task_queue_events";
