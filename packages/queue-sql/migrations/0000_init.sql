CREATE SEQUENCE "public"."task_queue_items_ordering_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "task_queue_items" (
	"queue_name" text COLLATE "C" NOT NULL,
	"item_id" text COLLATE "C" NOT NULL,
	"stage" smallint DEFAULT 0 NOT NULL,
	"body" jsonb NOT NULL,
	"ordering" bigint DEFAULT nextval('task_queue_items_ordering_seq') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_queue_items_pkey" PRIMARY KEY("queue_name","item_id"),
	CONSTRAINT "task_queue_items_stage_check" CHECK (stage BETWEEN 0 AND 3)
);
--> statement-breakpoint
CREATE INDEX "task_queue_items_waiting_idx" ON "task_queue_items" USING btree ("queue_name","ordering") WHERE stage = 0;--> statement-breakpoint
CREATE INDEX "task_queue_items_stage_idx" ON "task_queue_items" USING btree ("queue_name","stage","item_id");