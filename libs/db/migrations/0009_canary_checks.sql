CREATE TABLE "canary_checks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"diff_id" text NOT NULL,
	"step" integer NOT NULL,
	"share" double precision NOT NULL,
	"version_id" text NOT NULL,
	"verdict" text NOT NULL,
	"reason" text NOT NULL,
	"measurement" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "canary_checks_verdict_check" CHECK ("canary_checks"."verdict" in ('wait', 'pass', 'fail'))
);
--> statement-breakpoint
ALTER TABLE "canary_checks" ADD CONSTRAINT "canary_checks_diff_id_policy_diffs_id_fk" FOREIGN KEY ("diff_id") REFERENCES "public"."policy_diffs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "canary_checks_diff_id_id_idx" ON "canary_checks" USING btree ("diff_id","id");