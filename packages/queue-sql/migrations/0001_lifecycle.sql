DROP INDEX "task_queue_items_waiting_idx";--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "max_attempts" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "priority" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "run_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "task_queue_items" ADD COLUMN "result" jsonb;--> statement-breakpoint
CREATE INDEX "task_queue_items_ready_idx" ON "task_queue_items" USING btree ("queue_name","priority" DESC NULLS FIRST,"ordering") WHERE stage = 0;--> statement-breakpoint
CREATE INDEX "task_queue_items_lease_idx" ON "task_queue_items" USING btree ("queue_name","lease_expires_at") WHERE stage = 1 AND lease_expires_at IS NOT NULL;