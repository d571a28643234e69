CREATE TABLE "task_queue_items_callbacks" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"queue_name" text COLLATE "C" NOT NULL,
	"item_id" text COLLATE "C" NOT NULL,
	"url" text NOT NULL,
	"payload" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone DEFAULT now(),
	"claimed_until" timestamp with time zone,
	"retry_from" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "notify_url" text;--> statement-breakpoint
ALTER TABLE "task_queue_items_settings" ADD COLUMN "notify_url" text;--> statement-breakpoint
ALTER TABLE "task_queue_items_settings" ADD COLUMN "callback_secret" text;--> statement-breakpoint
CREATE INDEX "task_queue_items_cb_due" ON "task_queue_items_callbacks" USING btree ("next_attempt_at") WHERE next_attempt_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "task_queue_items_cb_queue" ON "task_queue_items_callbacks" USING btree ("queue_name","created_at");