-- Client authentication attempts per client_id (src/auth/client-auth/client-auth-throttle.ts), in fixed
-- windows, shared by every process: wrong client secrets are throttled at the token, introspection and
-- revocation endpoints. Keyed by a hash of the client_id as sent, so unknown ids are counted like known ones.
CREATE TABLE IF NOT EXISTS auth_client_attempt (
  key text PRIMARY KEY,
  attempts integer NOT NULL,
  window_started_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS auth_client_attempt_window ON auth_client_attempt (window_started_at);
