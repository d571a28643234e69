ALTER TABLE "task_queue_items_settings" ADD COLUMN "controller_tick_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "task_queue_items_settings" ADD COLUMN "controller_identity" text;--> statement-breakpoint
ALTER TABLE "task_queue_items_settings" ADD COLUMN "controller_leader" boolean;--> statement-breakpoint
ALTER TABLE "task_queue_items_settings" ADD COLUMN "controller_paused" boolean;--> statement-breakpoint
ALTER TABLE "task_queue_items_settings" ADD COLUMN "controller_period_seconds" double precision;