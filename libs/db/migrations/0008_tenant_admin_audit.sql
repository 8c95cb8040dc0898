CREATE TABLE "admin_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "admin_keys_secret_hash_check" CHECK ("admin_keys"."secret_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "admin_audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"principal_kind" text NOT NULL,
	"tenant_id" text,
	"admin_key_id" text,
	"method" text NOT NULL,
	"route" text,
	"path" text NOT NULL,
	"status_code" integer NOT NULL,
	"target_id" text,
	CONSTRAINT "admin_audit_events_principal_kind_check" CHECK ("admin_audit_events"."principal_kind" in ('root', 'tenant', 'none'))
);
--> statement-breakpoint
ALTER TABLE "datasets" DROP CONSTRAINT "datasets_name_unique";--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "tenant_id" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "workloads" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "admin_keys" ADD CONSTRAINT "admin_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "admin_keys_secret_hash_idx" ON "admin_keys" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "admin_keys_tenant_id_created_at_idx" ON "admin_keys" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "admin_audit_events_tenant_id_id_idx" ON "admin_audit_events" USING btree ("tenant_id","id");--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_tenant_id_name_key" UNIQUE NULLS NOT DISTINCT("tenant_id","name");