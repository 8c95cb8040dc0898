CREATE TABLE "policy_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"parent_id" text,
	"created_by" text NOT NULL,
	"reason" text NOT NULL,
	"document" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_activations" (
	"environment" text PRIMARY KEY NOT NULL,
	"version_id" text NOT NULL,
	"activated_by" text NOT NULL,
	"activated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_activation_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"version_id" text NOT NULL,
	"previous_version_id" text,
	"activated_by" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "policy_versions" ADD CONSTRAINT "policy_versions_parent_id_policy_versions_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."policy_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_activations" ADD CONSTRAINT "policy_activations_version_id_policy_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."policy_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_activation_events" ADD CONSTRAINT "policy_activation_events_version_id_policy_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."policy_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_activation_events" ADD CONSTRAINT "policy_activation_events_previous_version_id_policy_versions_id_fk" FOREIGN KEY ("previous_version_id") REFERENCES "public"."policy_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "policy_versions_created_at_id_idx" ON "policy_versions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "policy_activation_events_environment_id_idx" ON "policy_activation_events" USING btree ("environment","id");