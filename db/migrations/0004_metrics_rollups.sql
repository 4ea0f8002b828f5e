-- Rollups behind /api/v1/metrics (db/metrics). Triggers on attempts and cycles keep them current in the
-- writer's own transaction, whoever the writer is; db/metrics/scratch.ts computes the same numbers from
-- the history tables alone, and test/metrics proves the two agree.
--
-- metric_attempt_days      CPR attempts per UTC day x group x currency (counts, successes, amount)
-- metric_documents         per document and group (0 = all groups): when it first entered a cycle, and
--                          its first successful CPR attempt (time, days outstanding in us, attempt number)
-- metric_document_days     metric_documents counted per UTC day x group
-- metric_document_months   per document, group and month (in metric_state.time_zone) in which one of
--                          its cycles ended: whether such a cycle was collected by a CPR attempt
-- metric_month_totals      metric_document_months counted per month x group
CREATE TABLE "metric_attempt_days" (
	"day" date NOT NULL,
	"customer_group_id" integer NOT NULL,
	"currency" text NOT NULL,
	"attempts" bigint NOT NULL,
	"successes" bigint NOT NULL,
	"amount_collected" numeric NOT NULL,
	PRIMARY KEY ("day", "customer_group_id", "currency")
);
--> statement-breakpoint
CREATE TABLE "metric_documents" (
	"document_type" text NOT NULL,
	"document_id" text NOT NULL,
	"customer_group_id" integer NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"collected_at" timestamp with time zone,
	"days_us" bigint,
	"attempt_number" integer,
	PRIMARY KEY ("document_type", "document_id", "customer_group_id")
);
--> statement-breakpoint
CREATE INDEX "metric_documents_entered_idx" ON "metric_documents" ("entered_at");
--> statement-breakpoint
CREATE INDEX "metric_documents_collected_idx" ON "metric_documents" ("collected_at") WHERE "collected_at" IS NOT NULL;
--> statement-breakpoint
CREATE TABLE "metric_document_days" (
	"day" date NOT NULL,
	"customer_group_id" integer NOT NULL,
	"entered" bigint NOT NULL,
	"collected" bigint NOT NULL,
	"days_us" numeric NOT NULL,
	"attempt_numbers" bigint NOT NULL,
	PRIMARY KEY ("day", "customer_group_id")
);
--> statement-breakpoint
CREATE TABLE "metric_document_months" (
	"document_type" text NOT NULL,
	"document_id" text NOT NULL,
	"customer_group_id" integer NOT NULL,
	"month" date NOT NULL,
	"collected" boolean NOT NULL,
	PRIMARY KEY ("document_type", "document_id", "customer_group_id", "month")
);
--> statement-breakpoint
CREATE TABLE "metric_month_totals" (
	"month" date NOT NULL,
	"customer_group_id" integer NOT NULL,
	"documents" bigint NOT NULL,
	"collected" bigint NOT NULL,
	PRIMARY KEY ("month", "customer_group_id")
);
--> statement-breakpoint
CREATE TABLE "metric_state" (
	"id" integer PRIMARY KEY CHECK ("id" = 1),
	"time_zone" text NOT NULL
);
--> statement-breakpoint
INSERT INTO "metric_state" ("id", "time_zone") VALUES (1, 'UTC');
--> statement-breakpoint
-- One document's facts, from the history tables. Everything the triggers run is plpgsql, whose
-- statements keep their plans for the session; a LANGUAGE sql function would be planned on every call.
CREATE FUNCTION metric_document_facts(p_type text, p_id text) RETURNS SETOF metric_documents
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  WITH c AS (
    SELECT cy.id, cy.customer_group_id, cy.started_at FROM cycles cy
    WHERE cy.document_type = p_type AND cy.document_id = p_id
  ), s AS (
    SELECT a.cycle_id, a.attempt_number, a.time_of_execution, c.customer_group_id,
      round(extract(epoch FROM a.time_of_execution - coalesce(
        (SELECT a1.time_of_execution FROM attempts a1 WHERE a1.cycle_id = a.cycle_id AND a1.attempt_number = 1),
        c.started_at)) * 1000000)::bigint AS days_us
    FROM attempts a JOIN c ON c.id = a.cycle_id
    WHERE a.cpr_generated AND a.success
  ), scopes AS (
    SELECT 0 AS g, min(c.started_at) AS entered_at FROM c HAVING count(*) > 0
    UNION ALL
    SELECT c.customer_group_id, min(c.started_at) FROM c WHERE c.customer_group_id > 0 GROUP BY c.customer_group_id
  )
  SELECT p_type, p_id, sc.g, sc.entered_at, f.time_of_execution, f.days_us, f.attempt_number
  FROM scopes sc LEFT JOIN LATERAL (
    SELECT s.time_of_execution, s.days_us, s.attempt_number FROM s
    WHERE sc.g = 0 OR s.customer_group_id = sc.g
    ORDER BY s.time_of_execution, s.cycle_id, s.attempt_number LIMIT 1
  ) f ON true;
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_document_month_facts(p_type text, p_id text, p_zone text)
RETURNS SETOF metric_document_months LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  SELECT p_type, p_id, c.customer_group_id, date_trunc('month', c.ended_at AT TIME ZONE p_zone)::date,
    bool_or(EXISTS (SELECT 1 FROM attempts a WHERE a.cycle_id = c.id AND a.cpr_generated AND a.success))
  FROM cycles c
  WHERE c.document_type = p_type AND c.document_id = p_id AND c.ended_at IS NOT NULL
  GROUP BY c.customer_group_id, date_trunc('month', c.ended_at AT TIME ZONE p_zone)::date;
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_add_document_days(p_rows metric_documents[], p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_document_days AS d (day, customer_group_id, entered, collected, days_us, attempt_numbers)
  SELECT x.day, x.g, sum(x.e) * p_sign, sum(x.k) * p_sign, sum(x.us) * p_sign, sum(x.n) * p_sign
  FROM (
    SELECT (r.entered_at AT TIME ZONE 'UTC')::date AS day, r.customer_group_id AS g,
      1 AS e, 0 AS k, 0::bigint AS us, 0 AS n
    FROM unnest(p_rows) r
    UNION ALL
    SELECT (r.collected_at AT TIME ZONE 'UTC')::date, r.customer_group_id, 0, 1, r.days_us, r.attempt_number
    FROM unnest(p_rows) r WHERE r.collected_at IS NOT NULL
  ) x
  GROUP BY x.day, x.g
  ON CONFLICT (day, customer_group_id) DO UPDATE SET
    entered = d.entered + excluded.entered,
    collected = d.collected + excluded.collected,
    days_us = d.days_us + excluded.days_us,
    attempt_numbers = d.attempt_numbers + excluded.attempt_numbers;
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_add_document_months(p_rows metric_document_months[], p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_month_totals AS t (month, customer_group_id, documents, collected)
  SELECT r.month, r.customer_group_id, count(*) * p_sign, count(*) FILTER (WHERE r.collected) * p_sign
  FROM unnest(p_rows) r
  GROUP BY r.month, r.customer_group_id
  ON CONFLICT (month, customer_group_id) DO UPDATE SET
    documents = t.documents + excluded.documents,
    collected = t.collected + excluded.collected;
END $$;
--> statement-breakpoint
-- Recompute one document's facts and move the rollups by the difference (nothing, when unchanged).
-- Every rollup write takes the one transaction-scoped lock 7301003 first: writers take turns on the
-- rollups (they would anyway, on today's rows), cannot deadlock on them, and never interleave with a
-- rebuild.
CREATE FUNCTION metric_refresh_facts(p_type text, p_id text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_old metric_documents[];
  v_new metric_documents[];
BEGIN
  PERFORM pg_advisory_xact_lock(7301003);
  SELECT coalesce(array_agg(f ORDER BY f.customer_group_id), '{}') INTO v_new
    FROM metric_document_facts(p_type, p_id) f;
  SELECT coalesce(array_agg(m ORDER BY m.customer_group_id), '{}') INTO v_old
    FROM metric_documents m WHERE m.document_type = p_type AND m.document_id = p_id;
  IF v_new IS DISTINCT FROM v_old THEN
    PERFORM metric_add_document_days(v_old, -1);
    DELETE FROM metric_documents m WHERE m.document_type = p_type AND m.document_id = p_id;
    INSERT INTO metric_documents SELECT * FROM unnest(v_new);
    PERFORM metric_add_document_days(v_new, 1);
  END IF;
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_refresh_months(p_type text, p_id text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_old metric_document_months[];
  v_new metric_document_months[];
BEGIN
  PERFORM pg_advisory_xact_lock(7301003);
  SELECT coalesce(array_agg(f ORDER BY f.customer_group_id, f.month), '{}') INTO v_new
    FROM metric_document_month_facts(p_type, p_id, (SELECT time_zone FROM metric_state WHERE id = 1)) f;
  SELECT coalesce(array_agg(m ORDER BY m.customer_group_id, m.month), '{}') INTO v_old
    FROM metric_document_months m WHERE m.document_type = p_type AND m.document_id = p_id;
  IF v_new IS DISTINCT FROM v_old THEN
    PERFORM metric_add_document_months(v_old, -1);
    DELETE FROM metric_document_months m WHERE m.document_type = p_type AND m.document_id = p_id;
    INSERT INTO metric_document_months SELECT * FROM unnest(v_new);
    PERFORM metric_add_document_months(v_new, 1);
  END IF;
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_add_attempt(p_at timestamptz, p_group integer, p_currency text, p_success boolean,
  p_amount numeric, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_attempt_days AS d (day, customer_group_id, currency, attempts, successes, amount_collected)
  VALUES ((p_at AT TIME ZONE 'UTC')::date, p_group, p_currency, p_sign,
    CASE WHEN p_success THEN p_sign ELSE 0 END, CASE WHEN p_success THEN p_amount * p_sign ELSE 0 END)
  ON CONFLICT (day, customer_group_id, currency) DO UPDATE SET
    attempts = d.attempts + excluded.attempts,
    successes = d.successes + excluded.successes,
    amount_collected = d.amount_collected + excluded.amount_collected;
END $$;
--> statement-breakpoint
-- An attempt of this cycle changed. Month facts depend on whether a cycle has a successful CPR
-- attempt; document facts too, and on attempt 1 (days outstanding) when the cycle has one.
CREATE FUNCTION metric_attempt_touched(p_cycle_id bigint, p_success boolean, p_first boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_type text;
  v_id text;
BEGIN
  IF NOT (p_success OR p_first) THEN
    RETURN;
  END IF;
  SELECT c.document_type, c.document_id INTO v_type, v_id FROM cycles c WHERE c.id = p_cycle_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF p_success OR EXISTS (
    SELECT 1 FROM attempts a WHERE a.cycle_id = p_cycle_id AND a.cpr_generated AND a.success
  ) THEN
    PERFORM metric_refresh_facts(v_type, v_id);
  END IF;
  IF p_success THEN
    PERFORM metric_refresh_months(v_type, v_id);
  END IF;
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_attempts_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_old_success boolean := coalesce(TG_OP <> 'INSERT' AND OLD.cpr_generated AND OLD.success, false);
  v_new_success boolean := coalesce(TG_OP <> 'DELETE' AND NEW.cpr_generated AND NEW.success, false);
  v_old_first boolean := coalesce(TG_OP <> 'INSERT' AND OLD.attempt_number = 1, false);
  v_new_first boolean := coalesce(TG_OP <> 'DELETE' AND NEW.attempt_number = 1, false);
BEGIN
  PERFORM pg_advisory_xact_lock(7301003);
  IF TG_OP <> 'INSERT' AND OLD.cpr_generated THEN
    PERFORM metric_add_attempt(OLD.time_of_execution, OLD.customer_group_id, OLD.currency, OLD.success,
      OLD.amount_collected, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.cpr_generated THEN
    PERFORM metric_add_attempt(NEW.time_of_execution, NEW.customer_group_id, NEW.currency, NEW.success,
      NEW.amount_collected, 1);
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.cycle_id = OLD.cycle_id THEN
    PERFORM metric_attempt_touched(NEW.cycle_id, v_old_success OR v_new_success, v_old_first OR v_new_first);
  ELSE
    IF TG_OP <> 'INSERT' THEN
      PERFORM metric_attempt_touched(OLD.cycle_id, v_old_success, v_old_first);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      PERFORM metric_attempt_touched(NEW.cycle_id, v_new_success, v_new_first);
    END IF;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_cycles_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM metric_refresh_facts(NEW.document_type, NEW.document_id);
    IF NEW.ended_at IS NOT NULL THEN
      PERFORM metric_refresh_months(NEW.document_type, NEW.document_id);
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM metric_refresh_facts(OLD.document_type, OLD.document_id);
    PERFORM metric_refresh_months(OLD.document_type, OLD.document_id);
  ELSIF (NEW.document_type, NEW.document_id, NEW.customer_group_id)
      IS DISTINCT FROM (OLD.document_type, OLD.document_id, OLD.customer_group_id) THEN
    PERFORM metric_refresh_facts(OLD.document_type, OLD.document_id);
    PERFORM metric_refresh_months(OLD.document_type, OLD.document_id);
    IF (NEW.document_type, NEW.document_id) IS DISTINCT FROM (OLD.document_type, OLD.document_id) THEN
      PERFORM metric_refresh_facts(NEW.document_type, NEW.document_id);
      PERFORM metric_refresh_months(NEW.document_type, NEW.document_id);
    END IF;
  ELSE
    IF NEW.started_at IS DISTINCT FROM OLD.started_at THEN
      PERFORM metric_refresh_facts(NEW.document_type, NEW.document_id);
    END IF;
    IF NEW.ended_at IS DISTINCT FROM OLD.ended_at THEN
      PERFORM metric_refresh_months(NEW.document_type, NEW.document_id);
    END IF;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Month facts only, for p_zone (a changed settings.time_zone).
CREATE FUNCTION metric_rebuild_months(p_zone text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7301003);
  UPDATE metric_state SET time_zone = p_zone WHERE id = 1;
  DELETE FROM metric_document_months;
  DELETE FROM metric_month_totals;
  INSERT INTO metric_document_months (document_type, document_id, customer_group_id, month, collected)
  SELECT c.document_type, c.document_id, c.customer_group_id,
    date_trunc('month', c.ended_at AT TIME ZONE p_zone)::date, bool_or(ok.cycle_id IS NOT NULL)
  FROM cycles c
  LEFT JOIN (SELECT DISTINCT cycle_id FROM attempts WHERE cpr_generated AND success) ok ON ok.cycle_id = c.id
  WHERE c.ended_at IS NOT NULL
  GROUP BY 1, 2, 3, 4;
  INSERT INTO metric_month_totals (month, customer_group_id, documents, collected)
  SELECT month, customer_group_id, count(*), count(*) FILTER (WHERE collected)
  FROM metric_document_months GROUP BY 1, 2;
END $$;
--> statement-breakpoint
-- Makes the month facts follow p_zone, rebuilding them if they were kept in another zone.
CREATE FUNCTION metric_use_time_zone(p_zone text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7301003);
  IF (SELECT time_zone FROM metric_state WHERE id = 1) IS DISTINCT FROM p_zone THEN
    PERFORM metric_rebuild_months(p_zone);
    RETURN true;
  END IF;
  RETURN false;
END $$;
--> statement-breakpoint
-- Every rollup from the history tables, set-based (after a bulk load, or when in doubt).
CREATE FUNCTION metric_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7301003);
  DELETE FROM metric_attempt_days;
  DELETE FROM metric_document_days;
  DELETE FROM metric_documents;
  INSERT INTO metric_attempt_days (day, customer_group_id, currency, attempts, successes, amount_collected)
  SELECT (time_of_execution AT TIME ZONE 'UTC')::date, customer_group_id, currency, count(*),
    count(*) FILTER (WHERE success), coalesce(sum(amount_collected) FILTER (WHERE success), 0)
  FROM attempts WHERE cpr_generated GROUP BY 1, 2, 3;
  INSERT INTO metric_documents
  WITH s AS (
    SELECT c.document_type, c.document_id, c.customer_group_id, a.cycle_id, a.attempt_number,
      a.time_of_execution,
      round(extract(epoch FROM a.time_of_execution - coalesce(a1.time_of_execution, c.started_at)) * 1000000)::bigint
        AS days_us
    FROM attempts a
    JOIN cycles c ON c.id = a.cycle_id
    LEFT JOIN attempts a1 ON a1.cycle_id = a.cycle_id AND a1.attempt_number = 1
    WHERE a.cpr_generated AND a.success
  ), firsts AS (
    SELECT DISTINCT ON (document_type, document_id, g)
      document_type, document_id, g, time_of_execution, days_us, attempt_number
    FROM (
      SELECT s.*, 0 AS g FROM s
      UNION ALL
      SELECT s.*, s.customer_group_id FROM s WHERE s.customer_group_id > 0
    ) x
    ORDER BY document_type, document_id, g, time_of_execution, cycle_id, attempt_number
  ), entered AS (
    SELECT document_type, document_id, 0 AS g, min(started_at) AS entered_at FROM cycles GROUP BY 1, 2
    UNION ALL
    SELECT document_type, document_id, customer_group_id, min(started_at) FROM cycles
    WHERE customer_group_id > 0 GROUP BY 1, 2, 3
  )
  SELECT e.document_type, e.document_id, e.g, e.entered_at, f.time_of_execution, f.days_us, f.attempt_number
  FROM entered e LEFT JOIN firsts f USING (document_type, document_id, g);
  INSERT INTO metric_document_days (day, customer_group_id, entered, collected, days_us, attempt_numbers)
  SELECT day, g, sum(e), sum(k), sum(us), sum(n) FROM (
    SELECT (entered_at AT TIME ZONE 'UTC')::date AS day, customer_group_id AS g, 1 AS e, 0 AS k,
      0::bigint AS us, 0 AS n
    FROM metric_documents
    UNION ALL
    SELECT (collected_at AT TIME ZONE 'UTC')::date, customer_group_id, 0, 1, days_us, attempt_number
    FROM metric_documents WHERE collected_at IS NOT NULL
  ) x GROUP BY day, g;
  PERFORM metric_rebuild_months((SELECT time_zone FROM metric_state WHERE id = 1));
END $$;
--> statement-breakpoint
CREATE FUNCTION metric_history_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM metric_rebuild();
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER metric_attempts_insert_delete AFTER INSERT OR DELETE ON attempts
FOR EACH ROW EXECUTE FUNCTION metric_attempts_changed();
--> statement-breakpoint
CREATE TRIGGER metric_attempts_update AFTER UPDATE ON attempts FOR EACH ROW
WHEN ((OLD.cycle_id, OLD.attempt_number, OLD.time_of_execution, OLD.cpr_generated, OLD.success,
  OLD.amount_collected, OLD.currency, OLD.customer_group_id)
  IS DISTINCT FROM (NEW.cycle_id, NEW.attempt_number, NEW.time_of_execution, NEW.cpr_generated, NEW.success,
  NEW.amount_collected, NEW.currency, NEW.customer_group_id))
EXECUTE FUNCTION metric_attempts_changed();
--> statement-breakpoint
CREATE TRIGGER metric_cycles_insert_delete AFTER INSERT OR DELETE ON cycles
FOR EACH ROW EXECUTE FUNCTION metric_cycles_changed();
--> statement-breakpoint
CREATE TRIGGER metric_cycles_update AFTER UPDATE ON cycles FOR EACH ROW
WHEN ((OLD.document_type, OLD.document_id, OLD.customer_group_id, OLD.started_at, OLD.ended_at)
  IS DISTINCT FROM (NEW.document_type, NEW.document_id, NEW.customer_group_id, NEW.started_at, NEW.ended_at))
EXECUTE FUNCTION metric_cycles_changed();
--> statement-breakpoint
CREATE TRIGGER metric_attempts_truncate AFTER TRUNCATE ON attempts
FOR EACH STATEMENT EXECUTE FUNCTION metric_history_truncated();
--> statement-breakpoint
CREATE TRIGGER metric_cycles_truncate AFTER TRUNCATE ON cycles
FOR EACH STATEMENT EXECUTE FUNCTION metric_history_truncated();
--> statement-breakpoint
SELECT metric_rebuild();
