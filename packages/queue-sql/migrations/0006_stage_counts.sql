-- Exact item counts per queue and stage, kept by statement-level triggers: every statement that inserts, moves or
-- deletes items appends one delta row per (queue, stage) it changed, in its own transaction, so sizes() sums a few
-- rows instead of counting every item. Deltas are appended, never updated: concurrent writers never wait on a shared
-- counter row. Now and then a trigger folds the deltas into one row per (queue, stage), taking only rows nobody else
-- holds (SKIP LOCKED), so folding never waits either and stays exact.
CREATE TABLE "task_queue_items_counts" (
	"queue_name" text COLLATE "C" NOT NULL,
	"stage" smallint NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "task_queue_items_counts_queue_idx" ON "task_queue_items_counts" USING btree ("queue_name", "stage");
--> statement-breakpoint
CREATE FUNCTION "task_queue_items_count_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "task_queue_items_counts" (queue_name, stage, count)
    SELECT queue_name, stage, count(*) FROM new_rows GROUP BY queue_name, stage;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "task_queue_items_counts" (queue_name, stage, count)
    SELECT queue_name, stage, -count(*) FROM old_rows GROUP BY queue_name, stage;
  ELSE
    INSERT INTO "task_queue_items_counts" (queue_name, stage, count)
    SELECT queue_name, stage, sum(delta) FROM (
      SELECT queue_name, stage, 1 AS delta FROM new_rows
      UNION ALL
      SELECT queue_name, stage, -1 AS delta FROM old_rows
    ) AS changes
    GROUP BY queue_name, stage
    HAVING sum(delta) <> 0;
  END IF;
  IF random() < 0.02 THEN
    WITH picked AS (
      SELECT ctid FROM "task_queue_items_counts" FOR UPDATE SKIP LOCKED
    ), folded AS (
      DELETE FROM "task_queue_items_counts" WHERE ctid = ANY(ARRAY(SELECT ctid FROM picked))
      RETURNING queue_name, stage, count
    )
    INSERT INTO "task_queue_items_counts" (queue_name, stage, count)
    SELECT queue_name, stage, sum(count) FROM folded GROUP BY queue_name, stage HAVING sum(count) <> 0;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "task_queue_items_counts_insert" AFTER INSERT ON "task_queue_items"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "task_queue_items_count_changes"();
--> statement-breakpoint
CREATE TRIGGER "task_queue_items_counts_update" AFTER UPDATE ON "task_queue_items"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "task_queue_items_count_changes"();
--> statement-breakpoint
CREATE TRIGGER "task_queue_items_counts_delete" AFTER DELETE ON "task_queue_items"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "task_queue_items_count_changes"();
--> statement-breakpoint
-- CREATE TRIGGER holds a lock that keeps writers out until this migration commits, so the count is exact.
INSERT INTO "task_queue_items_counts" (queue_name, stage, count)
SELECT queue_name, stage, count(*) FROM "task_queue_items" GROUP BY queue_name, stage;
