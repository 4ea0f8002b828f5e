CREATE TABLE "payment_claims" (
	"payment_id" text PRIMARY KEY NOT NULL,
	"cycle_id" bigint NOT NULL,
	"attempt_number" integer NOT NULL,
	"document_type" text NOT NULL,
	"document_id" text NOT NULL,
	"payment" jsonb NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payment_claims" ADD CONSTRAINT "payment_claims_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_claims_cycle_idx" ON "payment_claims" USING btree ("cycle_id");--> statement-breakpoint
CREATE INDEX "attempts_external_payment_idx" ON "attempts" USING btree ("payment_id") WHERE not "attempts"."cpr_generated";