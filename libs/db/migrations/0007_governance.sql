ALTER TABLE "spans" ADD COLUMN "virtual_key_id" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "budgets" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "rate_limits" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD COLUMN "cache_responses" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "spans_tenant_started_at_idx" ON "spans" USING btree ("tenant","started_at") WHERE "spans"."tenant" is not null;--> statement-breakpoint
CREATE INDEX "spans_virtual_key_started_at_idx" ON "spans" USING btree ("virtual_key_id","started_at") WHERE "spans"."virtual_key_id" is not null;