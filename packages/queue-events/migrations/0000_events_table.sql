CREATE TABLE "task_queue_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"time" timestamp (3) with time zone DEFAULT clock_timestamp() NOT NULL,
	"data" json NOT NULL,
	"metadata" json NOT NULL,
	"queue" text,
	"item_id" text
);
--> statement-breakpoint
CREATE INDEX "task_queue_events_name_time_idx" ON "task_queue_events" USING btree ("name","time","id");--> statement-breakpoint
CREATE INDEX "task_queue_events_item_idx" ON "task_queue_events" USING btree ("queue","item_id","id");