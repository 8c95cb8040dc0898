CREATE TABLE "policy_diffs" (
	"id" text PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"parent_version_id" text NOT NULL,
	"proposed_document" jsonb NOT NULL,
	"patch" jsonb NOT NULL,
	"workloads" jsonb NOT NULL,
	"summary" text NOT NULL,
	"predicted" jsonb NOT NULL,
	"evidence" jsonb NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"measured" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_diffs_status_check" CHECK ("policy_diffs"."status" in ('proposed', 'approved', 'rejected', 'canary', 'promoted', 'rolled_back', 'superseded')),
	CONSTRAINT "policy_diffs_reason_check" CHECK ("policy_diffs"."reason" in ('cheaper', 'better', 'drift'))
);
--> statement-breakpoint
CREATE TABLE "policy_diff_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"diff_id" text NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"comment" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_diff_events_action_check" CHECK ("policy_diff_events"."action" in ('proposed', 'approved', 'rejected', 'canary_started', 'canary_step', 'promoted', 'rolled_back', 'superseded', 'commented'))
);
--> statement-breakpoint
ALTER TABLE "policy_diffs" ADD CONSTRAINT "policy_diffs_parent_version_id_policy_versions_id_fk" FOREIGN KEY ("parent_version_id") REFERENCES "public"."policy_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_diff_events" ADD CONSTRAINT "policy_diff_events_diff_id_policy_diffs_id_fk" FOREIGN KEY ("diff_id") REFERENCES "public"."policy_diffs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "policy_diffs_environment_status_created_at_idx" ON "policy_diffs" USING btree ("environment","status","created_at");--> statement-breakpoint
CREATE INDEX "policy_diff_events_diff_id_id_idx" ON "policy_diff_events" USING btree ("diff_id","id");