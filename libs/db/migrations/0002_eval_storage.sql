CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datasets_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"version" integer NOT NULL,
	"content_hash" text NOT NULL,
	"item_count" integer NOT NULL,
	"scorer" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataset_versions_dataset_id_version_key" UNIQUE("dataset_id","version"),
	CONSTRAINT "dataset_versions_dataset_id_content_hash_key" UNIQUE("dataset_id","content_hash")
);
--> statement-breakpoint
CREATE TABLE "dataset_items" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_version_id" text NOT NULL,
	"position" integer NOT NULL,
	"input" jsonb NOT NULL,
	"expected" jsonb,
	"workload" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_span_id" text
);
--> statement-breakpoint
CREATE TABLE "scores" (
	"id" text PRIMARY KEY NOT NULL,
	"span_id" text NOT NULL,
	"scorer" text NOT NULL,
	"scorer_version" text NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"score" double precision,
	"label" text,
	"reason" text,
	"raw" text,
	"workload" text NOT NULL,
	"model" text,
	"run_id" text,
	"dataset_item_id" text,
	"judge_span_id" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scores_span_id_scorer_scorer_version_source_key" UNIQUE("span_id","scorer","scorer_version","source"),
	CONSTRAINT "scores_status_check" CHECK ("scores"."status" in ('ok', 'failed')),
	CONSTRAINT "scores_score_null_iff_failed_check" CHECK (("scores"."score" is null) = ("scores"."status" = 'failed'))
);
--> statement-breakpoint
CREATE TABLE "golden_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_version_id" text NOT NULL,
	"models" jsonb NOT NULL,
	"scorer" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"total" integer NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "golden_runs_status_check" CHECK ("golden_runs"."status" in ('queued', 'running', 'completed', 'cancelled', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "spans" ADD COLUMN "origin" text DEFAULT 'live' NOT NULL;--> statement-breakpoint
ALTER TABLE "spans" ADD COLUMN "run_id" text;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_items" ADD CONSTRAINT "dataset_items_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "golden_runs" ADD CONSTRAINT "golden_runs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_items_dataset_version_id_position_idx" ON "dataset_items" USING btree ("dataset_version_id","position");--> statement-breakpoint
CREATE INDEX "scores_workload_model_created_at_idx" ON "scores" USING btree ("workload","model","created_at");--> statement-breakpoint
CREATE INDEX "scores_run_id_idx" ON "scores" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "golden_runs_created_at_id_idx" ON "golden_runs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "golden_runs_dataset_version_id_idx" ON "golden_runs" USING btree ("dataset_version_id");--> statement-breakpoint
CREATE INDEX "spans_origin_started_at_idx" ON "spans" USING btree ("origin","started_at");