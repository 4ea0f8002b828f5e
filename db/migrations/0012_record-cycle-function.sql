-- A cycle's writes as plpgsql functions, each called as one prepared statement (db/cycle-writes.ts,
-- db/payment-claims.ts): one round trip instead of a transaction's BEGIN, statements and COMMIT, and no
-- statement built per call. A call is atomic (it is one statement); inside it the statements run in the
-- order the transactions ran them, each seeing the ones before (in READ COMMITTED plpgsql takes a fresh
-- snapshot per statement, as the separate statements did), so the rollup triggers of 0004 fire exactly
-- as they did.
--
-- Rows come in as jsonb objects keyed by column name, holding what the drivers were sent (db/row-json.ts:
-- instants as ISO text, amounts and numbers as text), and are read through jsonb_populate_record over
-- the table's own row type, so each value is parsed by its column's type (and typmod: numeric(19,4)
-- rounds as before). A key that is absent is what drizzle did with an undefined value: the column's
-- default on insert, the stored value kept on update (populated over the stored row).
--
-- Changing one later: a new migration with CREATE OR REPLACE FUNCTION; never edit this one.

-- Attempt `p_row` of cycle `p_cycle_id`, unless that attempt (or its transaction id or idempotency
-- key) is stored already: a retried claim.
CREATE FUNCTION cpr_insert_attempt(p_cycle_id bigint, p_row jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO attempts (cycle_id, attempt_number, transaction_id, payment_id, time_of_execution, source,
    cpr_generated, success, amount, amount_collected, currency, payment_method_id, idempotency_key,
    gateway_payment_id, action, retry_next, retry_next_at, retry_criteria, api_updated_retry_time, label,
    level, customer_group_id, gateway_id, gateway_code, gateway_response)
  SELECT p_cycle_id, r.attempt_number, r.transaction_id, r.payment_id, r.time_of_execution, r.source,
    r.cpr_generated, r.success, r.amount, r.amount_collected, r.currency, r.payment_method_id,
    r.idempotency_key, r.gateway_payment_id, r.action, r.retry_next, r.retry_next_at, r.retry_criteria,
    r.api_updated_retry_time, r.label, r.level, r.customer_group_id, r.gateway_id, r.gateway_code,
    r.gateway_response
  FROM jsonb_populate_record(null::attempts, p_row) r
  ON CONFLICT DO NOTHING;
END $$;
--> statement-breakpoint
-- Everything a running cycle's `record` stores, as the transaction did: each attempt upserted on
-- (cycle, attempt number) in turn (its transaction id never changes), the events upserted on (cycle,
-- seq) with the last write winning, then the cycle row with amount_collected summed over its attempts
-- (the upserts above are visible to that statement).
-- p_attempts: a JSON array of each attempt row's own JSON text; p_events: a JSON array of event rows;
-- p_cycle: the cycle columns that change. Each is read as jsonb by the statement that writes it, so a
-- value jsonb refuses fails the call where it failed the transaction (after, say, a unique violation
-- of an attempt before it).
CREATE FUNCTION cpr_record_cycle(p_cycle_id bigint, p_attempts text, p_events text, p_cycle text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_attempts jsonb := p_attempts::jsonb;
  v_row jsonb;
BEGIN
  FOR i IN 0 .. jsonb_array_length(v_attempts) - 1 LOOP
    v_row := (v_attempts->>i)::jsonb;
    INSERT INTO attempts AS t (cycle_id, attempt_number, transaction_id, payment_id, time_of_execution,
      source, cpr_generated, success, amount, amount_collected, currency, payment_method_id,
      idempotency_key, gateway_payment_id, action, retry_next, retry_next_at, retry_criteria,
      api_updated_retry_time, label, level, customer_group_id, gateway_id, gateway_code, gateway_response)
    SELECT p_cycle_id, r.attempt_number, r.transaction_id, r.payment_id, r.time_of_execution, r.source,
      r.cpr_generated, r.success, r.amount, r.amount_collected, r.currency, r.payment_method_id,
      r.idempotency_key, r.gateway_payment_id, r.action, r.retry_next, r.retry_next_at, r.retry_criteria,
      r.api_updated_retry_time, r.label, r.level, r.customer_group_id, r.gateway_id, r.gateway_code,
      r.gateway_response
    FROM jsonb_populate_record(null::attempts, v_row) r
    ON CONFLICT (cycle_id, attempt_number) DO UPDATE SET (payment_id, time_of_execution, source,
      cpr_generated, success, amount, amount_collected, currency, payment_method_id, idempotency_key,
      gateway_payment_id, action, retry_next, retry_next_at, retry_criteria, api_updated_retry_time, label,
      level, customer_group_id, gateway_id, gateway_code, gateway_response) = (
      SELECT u.payment_id, u.time_of_execution, u.source, u.cpr_generated, u.success, u.amount,
        u.amount_collected, u.currency, u.payment_method_id, u.idempotency_key, u.gateway_payment_id,
        u.action, u.retry_next, u.retry_next_at, u.retry_criteria, u.api_updated_retry_time, u.label,
        u.level, u.customer_group_id, u.gateway_id, u.gateway_code, u.gateway_response
      FROM jsonb_populate_record(t, v_row) u);
  END LOOP;
  INSERT INTO cycle_events AS t (cycle_id, seq, at, status, reason, detail)
  SELECT p_cycle_id, e.seq, e.at, e.status, e.reason, e.detail
  FROM jsonb_populate_recordset(null::cycle_events, p_events::jsonb) WITH ORDINALITY e
  ORDER BY e.ordinality
  ON CONFLICT (cycle_id, seq) DO UPDATE SET
    at = excluded.at, status = excluded.status, reason = excluded.reason, detail = excluded.detail;
  UPDATE cycles AS t SET (status, end_reason, ended_at, next_attempt_at, outstanding, payment_method_id,
    updated_at) = (
    SELECT c.status, c.end_reason, c.ended_at, c.next_attempt_at, c.outstanding, c.payment_method_id,
      c.updated_at
    FROM jsonb_populate_record(t, p_cycle::jsonb) c),
    amount_collected = (SELECT coalesce(sum(a.amount_collected), 0) FROM attempts a WHERE a.cycle_id = p_cycle_id)
  WHERE t.id = p_cycle_id;
END $$;
--> statement-breakpoint
-- Opens the cycle row of a run once: a retried call answers the row the first one inserted (read in a
-- statement of its own, so it also sees a row a concurrent call committed while this one waited).
-- p_row: the cycle's columns but its id, which the sequence gives. Answers {cycle_id, billing_cycle_id}.
CREATE FUNCTION cpr_open_cycle(p_row jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_billing_cycle_id text;
BEGIN
  INSERT INTO cycles AS t (id, billing_cycle_id, workflow_id, run_id, document_type, document_id, account_id,
    subscription_id, payment_id, payment_method_id, gateway_id, currency, amount, outstanding,
    customer_group_id, customer_group_name, config_version, status, due_date, started_at)
  SELECT nextval('cycle_id_seq'), r.billing_cycle_id, r.workflow_id, r.run_id, r.document_type,
    r.document_id, r.account_id, r.subscription_id, r.payment_id, r.payment_method_id, r.gateway_id,
    r.currency, r.amount, r.outstanding, r.customer_group_id, r.customer_group_name, r.config_version,
    r.status, r.due_date, r.started_at
  FROM jsonb_populate_record(null::cycles, p_row) r
  ON CONFLICT (run_id) DO NOTHING
  RETURNING t.id, t.billing_cycle_id INTO v_id, v_billing_cycle_id;
  IF v_id IS NULL THEN
    SELECT c.id, c.billing_cycle_id INTO v_id, v_billing_cycle_id FROM cycles c WHERE c.run_id = p_row->>'run_id';
  END IF;
  IF v_id IS NULL THEN
    RAISE EXCEPTION 'cycle for run % neither inserted nor found', p_row->>'run_id';
  END IF;
  RETURN jsonb_build_object('cycle_id', v_id, 'billing_cycle_id', v_billing_cycle_id);
END $$;
--> statement-breakpoint
-- The claim on a payment_id with its cycle's ids (db/payment-claims.ts PaymentClaim), or null.
CREATE FUNCTION cpr_find_claim(p_payment_id text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
  RETURN (
    SELECT jsonb_build_object('payment_id', pc.payment_id, 'workflow_id', c.workflow_id, 'run_id', c.run_id,
      'cycle_id', pc.cycle_id, 'billing_cycle_id', c.billing_cycle_id, 'attempt_number', pc.attempt_number,
      'document', jsonb_build_object('type', pc.document_type, 'id', pc.document_id), 'payment', pc.payment)
    FROM payment_claims pc JOIN cycles c ON c.id = pc.cycle_id
    WHERE pc.payment_id = p_payment_id);
END $$;
--> statement-breakpoint
-- The functions below take a payment or an attempt as JSON text and read it as jsonb only where the
-- transactions wrote it, so a value jsonb refuses fails the call exactly when it failed them (not, say,
-- a claim that is refused before its attempt would have been written).

-- Claims payment `p_payment` (its id `p_payment_id`) for attempt `p_attempt_number` of `p_cycle_id`.
-- True when this call (or an earlier try of the same claim: same cycle, same attempt) holds it; false
-- when another one does.
CREATE FUNCTION cpr_insert_claim(p_cycle_id bigint, p_attempt_number integer, p_document_type text,
  p_document_id text, p_payment_id text, p_payment text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  v_cycle_id bigint;
  v_attempt_number integer;
BEGIN
  INSERT INTO payment_claims (payment_id, cycle_id, attempt_number, document_type, document_id, payment)
  VALUES (p_payment_id, p_cycle_id, p_attempt_number, p_document_type, p_document_id, p_payment::jsonb)
  ON CONFLICT (payment_id) DO NOTHING;
  IF FOUND THEN
    RETURN true;
  END IF;
  SELECT pc.cycle_id, pc.attempt_number INTO v_cycle_id, v_attempt_number
  FROM payment_claims pc WHERE pc.payment_id = p_payment_id;
  RETURN coalesce(v_cycle_id = p_cycle_id AND v_attempt_number = p_attempt_number, false);
END $$;
--> statement-breakpoint
-- A payment that became an external attempt before claims existed: its earliest such attempt becomes
-- its claim, with the details submitted now.
CREATE FUNCTION cpr_adopt_legacy_attempt(p_payment_id text, p_payment text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_cycle_id bigint;
  v_attempt_number integer;
  v_document_type text;
  v_document_id text;
BEGIN
  SELECT a.cycle_id, a.attempt_number, c.document_type, c.document_id
  INTO v_cycle_id, v_attempt_number, v_document_type, v_document_id
  FROM attempts a JOIN cycles c ON c.id = a.cycle_id
  WHERE a.payment_id = p_payment_id AND NOT a.cpr_generated
  ORDER BY a.cycle_id, a.attempt_number
  LIMIT 1;
  IF FOUND THEN
    PERFORM cpr_insert_claim(v_cycle_id, v_attempt_number, v_document_type, v_document_id, p_payment_id,
      p_payment);
  END IF;
END $$;
--> statement-breakpoint
-- The claim on the payment's id, adopting a legacy attempt of it first when there is no claim yet.
CREATE FUNCTION cpr_claim_of(p_payment_id text, p_payment text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_claim jsonb := cpr_find_claim(p_payment_id);
BEGIN
  IF v_claim IS NOT NULL THEN
    RETURN v_claim;
  END IF;
  PERFORM cpr_adopt_legacy_attempt(p_payment_id, p_payment);
  RETURN cpr_find_claim(p_payment_id);
END $$;
--> statement-breakpoint
-- Opens the cycle (cpr_open_cycle) with its first payment claimed as attempt 1 and stored as
-- `p_first`, and answers {cycle_id, billing_cycle_id, previous: the document's latest other cycle or
-- null}. When another cycle holds the payment it raises SQLSTATE PRC01, so nothing is written.
CREATE FUNCTION cpr_open_claimed_cycle(p_cycle jsonb, p_payment_id text, p_payment text, p_first text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_ids jsonb;
  v_id bigint;
  v_previous jsonb;
BEGIN
  v_ids := cpr_open_cycle(p_cycle);
  v_id := (v_ids->>'cycle_id')::bigint;
  IF NOT cpr_insert_claim(v_id, 1, p_cycle->>'document_type', p_cycle->>'document_id', p_payment_id,
      p_payment) THEN
    RAISE EXCEPTION 'payment % is claimed by another cycle', p_payment_id USING ERRCODE = 'PRC01';
  END IF;
  PERFORM cpr_insert_attempt(v_id, p_first::jsonb);
  SELECT jsonb_build_object('cycle_id', c.id, 'billing_cycle_id', c.billing_cycle_id, 'status', c.status)
  INTO v_previous
  FROM cycles c
  WHERE c.document_type = p_cycle->>'document_type' AND c.document_id = p_cycle->>'document_id'
    AND c.id <> v_id
  ORDER BY c.started_at DESC, c.id DESC
  LIMIT 1;
  RETURN v_ids || jsonb_build_object('previous', v_previous);
END $$;
--> statement-breakpoint
-- Claims a further payment for the cycle as attempt `p_attempt` (numbered `p_attempt_number`), storing
-- the attempt too (after adopting a legacy attempt of it as its claim). True when this cycle holds the
-- claim.
CREATE FUNCTION cpr_claim_payment_as_attempt(p_cycle_id bigint, p_document_type text, p_document_id text,
  p_payment_id text, p_payment text, p_attempt_number integer, p_attempt text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cpr_adopt_legacy_attempt(p_payment_id, p_payment);
  IF NOT cpr_insert_claim(p_cycle_id, p_attempt_number, p_document_type, p_document_id, p_payment_id,
      p_payment) THEN
    RETURN false;
  END IF;
  PERFORM cpr_insert_attempt(p_cycle_id, p_attempt::jsonb);
  RETURN true;
END $$;
