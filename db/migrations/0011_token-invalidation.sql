-- Every change that can change or end a login notifies the channel api_token_changes, in the
-- committing transaction, whoever makes it (the API, the CLI on the data directly, psql): each API
-- process LISTENs on it and forgets the logins it keeps in memory (auth/token-cache.ts). A token
-- deleted (revoked), a token's digest, role or user changed, a user changed or deleted, either table
-- truncated. New rows notify nothing: no login they make was ever cached. An update that changes
-- nothing (the upserts' ON CONFLICT DO UPDATE of an unchanged row) notifies nothing either. The
-- payload is constant, so Postgres delivers one notification per transaction however many rows it
-- touched.
CREATE FUNCTION notify_api_token_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('api_token_changes', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER api_tokens_notify_update AFTER UPDATE ON api_tokens FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION notify_api_token_changes();
--> statement-breakpoint
CREATE TRIGGER api_tokens_notify_delete AFTER DELETE ON api_tokens FOR EACH ROW
  EXECUTE FUNCTION notify_api_token_changes();
--> statement-breakpoint
CREATE TRIGGER api_tokens_notify_truncate AFTER TRUNCATE ON api_tokens FOR EACH STATEMENT
  EXECUTE FUNCTION notify_api_token_changes();
--> statement-breakpoint
CREATE TRIGGER users_notify_update AFTER UPDATE ON users FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION notify_api_token_changes();
--> statement-breakpoint
CREATE TRIGGER users_notify_delete AFTER DELETE ON users FOR EACH ROW
  EXECUTE FUNCTION notify_api_token_changes();
--> statement-breakpoint
CREATE TRIGGER users_notify_truncate AFTER TRUNCATE ON users FOR EACH STATEMENT
  EXECUTE FUNCTION notify_api_token_changes();
