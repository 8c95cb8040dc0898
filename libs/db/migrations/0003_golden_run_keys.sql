ALTER TABLE "golden_runs" ADD COLUMN "workload_scorers" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "spans_run_id_idx" ON "spans" USING btree ("run_id") WHERE "spans"."run_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "scores_golden_run_item_model_key" ON "scores" USING btree ("run_id","dataset_item_id","model") WHERE "scores"."source" = 'golden';