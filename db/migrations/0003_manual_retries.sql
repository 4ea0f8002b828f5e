CREATE TABLE "manual_retries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"retry_id" text NOT NULL,
	"cycle_id" bigint NOT NULL,
	"attempt_number" integer NOT NULL,
	"transaction_id" text NOT NULL,
	"charge_key" text NOT NULL,
	"request_key" text,
	"workflow_id" text NOT NULL,
	"reason" text NOT NULL,
	"requested_by" text NOT NULL,
	"status" text NOT NULL,
	"gateway_id" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"currency" text NOT NULL,
	"amount_collected" numeric(19, 4),
	"gateway_code" text,
	"gateway_response" text,
	"gateway_payment_id" text,
	"executed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "manual_retries_retry_id_unique" UNIQUE("retry_id"),
	CONSTRAINT "manual_retries_transaction_id_unique" UNIQUE("transaction_id"),
	CONSTRAINT "manual_retries_charge_key_unique" UNIQUE("charge_key"),
	CONSTRAINT "manual_retries_cycle_attempt_unique" UNIQUE("cycle_id","attempt_number"),
	CONSTRAINT "manual_retries_cycle_request_key_unique" UNIQUE("cycle_id","request_key")
);
--> statement-breakpoint
ALTER TABLE "manual_retries" ADD CONSTRAINT "manual_retries_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "manual_retries_one_pending_per_cycle" ON "manual_retries" USING btree ("cycle_id") WHERE "manual_retries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "manual_retries_cycle_idx" ON "manual_retries" USING btree ("cycle_id","created_at");