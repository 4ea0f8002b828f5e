CREATE TABLE "stripe_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"invoice_id" text,
	"customer_id" text,
	"outcome" text NOT NULL,
	"reason" text,
	"foreign_attempt" boolean DEFAULT false NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "stripe_events_invoice_idx" ON "stripe_events" USING btree ("invoice_id");