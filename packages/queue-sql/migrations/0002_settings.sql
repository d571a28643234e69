CREATE TABLE "task_queue_items_settings" (
	"queue_name" text COLLATE "C" PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
