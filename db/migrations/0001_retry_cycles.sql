CREATE SEQUENCE "public"."cycle_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" bigint NOT NULL,
	"attempt_number" integer NOT NULL,
	"transaction_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"time_of_execution" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"cpr_generated" boolean NOT NULL,
	"success" boolean NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"amount_collected" numeric(19, 4) NOT NULL,
	"currency" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"idempotency_key" text,
	"gateway_payment_id" text,
	"action" text,
	"retry_next" text,
	"retry_next_at" timestamp with time zone,
	"retry_criteria" text,
	"api_updated_retry_time" text,
	"label" text NOT NULL,
	"level" text NOT NULL,
	"customer_group_id" integer NOT NULL,
	"gateway_id" text NOT NULL,
	"gateway_code" text NOT NULL,
	"gateway_response" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attempts_transaction_id_unique" UNIQUE("transaction_id"),
	CONSTRAINT "attempts_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "attempts_cycle_attempt_unique" UNIQUE("cycle_id","attempt_number")
);
--> statement-breakpoint
CREATE TABLE "cycle_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" bigint NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"reason" text NOT NULL,
	"detail" jsonb,
	CONSTRAINT "cycle_events_cycle_seq_unique" UNIQUE("cycle_id","seq")
);
--> statement-breakpoint
CREATE TABLE "cycles" (
	"id" bigint PRIMARY KEY NOT NULL,
	"billing_cycle_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"run_id" text NOT NULL,
	"document_type" text NOT NULL,
	"document_id" text NOT NULL,
	"account_id" text NOT NULL,
	"subscription_id" text,
	"payment_id" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"gateway_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"outstanding" numeric(19, 4) NOT NULL,
	"amount_collected" numeric(19, 4) DEFAULT '0' NOT NULL,
	"customer_group_id" integer NOT NULL,
	"customer_group_name" text NOT NULL,
	"config_version" integer NOT NULL,
	"status" text NOT NULL,
	"end_reason" text,
	"due_date" text,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cycles_billing_cycle_id_unique" UNIQUE("billing_cycle_id"),
	CONSTRAINT "cycles_run_id_unique" UNIQUE("run_id")
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cycle_events" ADD CONSTRAINT "cycle_events_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attempts_time_idx" ON "attempts" USING btree ("time_of_execution");--> statement-breakpoint
CREATE INDEX "cycles_document_idx" ON "cycles" USING btree ("document_type","document_id","started_at");--> statement-breakpoint
CREATE INDEX "cycles_account_idx" ON "cycles" USING btree ("account_id","started_at");--> statement-breakpoint
CREATE INDEX "cycles_subscription_idx" ON "cycles" USING btree ("subscription_id","started_at");--> statement-breakpoint
CREATE INDEX "cycles_status_idx" ON "cycles" USING btree ("status");